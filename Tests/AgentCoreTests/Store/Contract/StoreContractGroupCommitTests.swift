import Foundation
import Testing
@testable import AgentCore

/// What the tests need of either store's group commit queue.
protocol GroupCommitControl: Sendable {
    func hold()
    func release()
    var waitingCount: Int { get }
    var statistics: GroupCommitStatistics { get }
}

extension GroupCommitQueue: GroupCommitControl {}

extension GroupCommitControl {
    /// Runs every write at once with the queue held until all of them wait, so they are written
    /// in one batch; returns each write's error text by name (nil for success).
    func outcomesOfOneBatch(_ writes: [(String, @Sendable () async throws -> Void)]) async throws -> [String: String?] {
        hold()
        return try await withThrowingTaskGroup(of: (String, String?).self) { group in
            for (name, write) in writes {
                group.addTask {
                    do {
                        try await write()
                        return (name, nil)
                    } catch {
                        return (name, "\(error)")
                    }
                }
            }
            for _ in 0..<1000 where waitingCount < writes.count {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(waitingCount == writes.count)
            release()
            var outcomes: [String: String?] = [:]
            for try await (name, error) in group { outcomes[name] = error }
            return outcomes
        }
    }
}

func groupCommitQueue(of store: any SessionStore) -> (any GroupCommitControl)? {
    (store as? SQLiteSessionStore)?.commits ?? (store as? PostgresSessionStore)?.commits
}

/// Group commit (issue 14 item 6): commits from many sessions that are written together still
/// succeed or fail each on its own. The queue is held until every commit waits, so all of them
/// are provably in one transaction.
@Suite struct StoreContractGroupCommitTests {
    typealias F = StoreFixtures
    typealias C = Contract

    /// What each of the concurrent commits is.
    enum Kind: Sendable { case good, historyGap, unknownSession, seqNotIncreasing }

    static let kinds: [Kind] = [.good, .historyGap, .good, .unknownSession, .good, .seqNotIncreasing, .good, .good]

    @Test(arguments: Backend.allCases)
    func oneFailingCommitInABatchLosesNobodyElsesAndEachCallerGetsItsOwnError(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            for (index, _) in Self.kinds.enumerated() where Self.kinds[index] != .unknownSession {
                try await store.createSession(C.header("g\(index)"))
                // One stored event, so a commit that repeats its seq is refused.
                try await store.commitTurn(C.commit(events: [F.event(1, session: "g\(index)")]), to: "g\(index)")
            }
            let batcher = try #require(groupCommitQueue(of: store))
            batcher.hold()
            let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for (index, kind) in Self.kinds.enumerated() {
                    group.addTask {
                        do {
                            try await store.commitTurn(Self.commit(kind, index), to: "g\(index)")
                            return (index, nil)
                        } catch {
                            return (index, "\(error)")
                        }
                    }
                }
                // Every commit is waiting before any is written: one transaction holds them all.
                for _ in 0..<1000 where batcher.waitingCount < Self.kinds.count {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(batcher.waitingCount == Self.kinds.count)
                batcher.release()
                var outcomes: [Int: String?] = [:]
                for try await (index, error) in group { outcomes[index] = error }
                return outcomes
            }
            #expect(batcher.statistics.largestBatch == Self.kinds.count)
            for (index, kind) in Self.kinds.enumerated() {
                let error = outcomes[index] ?? "no outcome"
                switch kind {
                case .good: #expect(error == nil, "g\(index): \(error ?? "")")
                case .historyGap: #expect(error?.contains("history") == true, "g\(index): \(error ?? "nil")")
                case .unknownSession: #expect(error?.contains("g\(index)") == true, "g\(index): \(error ?? "nil")")
                case .seqNotIncreasing: #expect(error?.contains("seq") == true, "g\(index): \(error ?? "nil")")
                }
                guard kind != .unknownSession else {
                    #expect(try await store.loadSession(id: "g\(index)") == nil)
                    continue
                }
                let stored = try #require(try await store.loadSession(id: "g\(index)"))
                let events = try await store.events(sessionId: "g\(index)", after: 0, limit: 10).map(\.seq)
                if kind == .good {
                    #expect(stored.history == [.user("q\(index)")] + F.toolStep(index))
                    #expect(events == [1, 2, 3])
                    #expect(stored.summary.usage == F.usage(prompt: index + 1, completion: 1))
                } else {
                    // Refused whole: not a message, not an event, not the usage.
                    #expect(stored.history.isEmpty)
                    #expect(events == [1])
                    #expect(stored.summary.usage == SessionUsage())
                }
            }
            #expect(await store.checkHealth() == .healthy, "a refused commit is not a storage failure")
        }
    }

    static func commit(_ kind: Kind, _ index: Int) -> TurnCommit {
        let session = "g\(index)"
        let history: [ChatMessage] = [.user("q\(index)")] + F.toolStep(index)
        let events = kind == .seqNotIncreasing ? [F.event(1, session: session), F.event(2, session: session)]
            : [F.event(2, session: session), F.event(3, session: session)]
        let from = kind == .historyGap ? 5 : 0
        return C.commit(history: .append(from: from, messages: history), events: events,
                        usage: F.usage(prompt: index + 1, completion: 1), running: "q")
    }

    /// Concurrent committers without a hold: whatever batches form, every commit lands once.
    @Test(arguments: Backend.allCases) func manySessionsCommittingAtOnceKeepEveryStep(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            let sessions = 12, steps = 15
            for n in 0..<sessions { try await store.createSession(C.header("m\(n)")) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<sessions {
                    group.addTask {
                        for step in 0..<steps {
                            try await store.commitTurn(C.commit(history: .append(from: step * 2, messages: F.toolStep(step)),
                                                                events: [F.event(Int64(step + 1), session: "m\(n)")],
                                                                running: "q"), to: "m\(n)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            for n in 0..<sessions {
                let stored = try #require(try await store.loadSession(id: "m\(n)"))
                #expect(stored.history == (0..<steps).flatMap(F.toolStep))
                #expect(stored.summary.lastSeq == Int64(steps))
            }
            let statistics = try #require(groupCommitQueue(of: store)).statistics
            #expect(statistics.commits == sessions * steps)
        }
    }

    /// Creations and query starts join the turn commits' transaction on both backends: held
    /// until all wait, one batch holds a new session, a taken id, a start on an idle session,
    /// a start on an unknown one and a commit, and each gets the outcome it would get alone.
    @Test(arguments: Backend.allCases)
    func createsAndStartsShareTheBatchAndKeepTheirOwnOutcomes(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            for id in ["idle", "running"] { try await store.createSession(C.header(id)) }
            let runningVersion = try await store.beginQuery(sessionId: "running", queryId: "q-run", title: nil)
            let batcher = try #require(groupCommitQueue(of: store))
            let before = batcher.statistics
            let writes: [(String, @Sendable () async throws -> Void)] = [
                ("new", { try await store.createSession(C.header("new")) }),
                ("taken", { try await store.createSession(C.header("idle")) }),
                ("idle", { try await store.beginQuery(sessionId: "idle", queryId: "q-idle", title: "first") }),
                ("missing", { try await store.beginQuery(sessionId: "missing", queryId: "q-missing", title: nil) }),
                ("commit", { try await store.commitTurn(C.fencedStep(of: "q-run", on: "running", startedAt: runningVersion), to: "running") }),
            ]
            let outcomes = try await batcher.outcomesOfOneBatch(writes)
            let after = batcher.statistics
            #expect(after.largestBatch == writes.count && after.batches == before.batches + 1, "one transaction held them all")
            #expect(after.commits == before.commits + 1, "only the turn commit counts as one")
            for name in ["new", "idle", "commit"] {
                #expect(outcomes[name] == .some(nil), "\(name): \(String(describing: outcomes[name]))")
            }
            #expect(outcomes["taken"]??.contains("idle") == true, "\(String(describing: outcomes["taken"]))")
            #expect(outcomes["missing"]??.contains("missing") == true, "\(String(describing: outcomes["missing"]))")
            #expect(try #require(try await store.loadSession(id: "new")).summary.header == C.header("new"))
            let idle = try #require(try await store.leaseState(sessionId: "idle"))
            #expect(idle.runningQueryId == "q-idle" && idle.leaseActive, "\(idle)")
            #expect(try await store.loadSession(id: "idle")?.summary.title == "first")
            #expect(try await store.loadSession(id: "missing") == nil)
            #expect(try await store.events(sessionId: "running", after: 0, limit: 10).count == 1)
        }
    }
}
