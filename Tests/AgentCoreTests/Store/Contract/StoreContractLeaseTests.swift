import Foundation
import Testing
@testable import AgentCore

/// The lease protocol and the session version, against each backend: a query start takes the
/// session's lease only when it is free or expired, renewals keep it, an expired one is closed
/// as interrupted exactly once (by `beginQuery` taking over or by a sweep), and commits from a
/// responder that lost the lease, or whose copy is stale, are refused with nothing written.
///
/// "Responders" are stores with different lease owners. SQLite holds its file exclusively, so
/// its responders take turns on the file (close one, open the next): the protocol's state lives
/// in the rows, which is what these tests check; PostgreSQL's are open at once where it matters.
@Suite struct StoreContractLeaseTests {
    typealias F = StoreFixtures
    typealias C = Contract

    @Test(arguments: Backend.allCases) func aLeaseIsTakenOnlyWhenFreeOrExpiredAndRenewalKeepsIt(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        // Times count from just before the lease was taken, so opening stores costs no margin.
        let started = try await place.withStore(owner: "a", leaseSeconds: 15) { (store) async throws in
            try await store.createSession(C.header("s1"))
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("one"), .assistant("two")]),
                                                events: F.events(1...3), usage: F.usage(prompt: 5, completion: 1)), to: "s1")
            let taken = ContinuousClock.now
            #expect(try await store.beginQuery(sessionId: "s1", queryId: "q1", title: "one") == 2,
                    "the version before the start: created 1, one commit")
            let state = try #require(try await store.leaseState(sessionId: "s1"))
            #expect(state == SessionLeaseState(version: 3, runningQueryId: "q1", leaseOwner: "a", leaseActive: true))
            #expect(!state.heldByOther(than: "a") && state.heldByOther(than: "b"))
            return taken
        }
        try await place.withStore(owner: "b", leaseSeconds: 15) { (store) async throws in
            await #expect(throws: StoreError.self, "a live lease of another responder is not taken") {
                try await store.beginQuery(sessionId: "s1", queryId: "q2", title: nil)
            }
        }
        // Wide margins (a 15 s lease, renewed 12 s in): the test must hold on a loaded machine, where
        // opening and closing a store has been seen to take seconds.
        try await Task.sleep(until: started + .seconds(12))
        let renewed = try await place.withStore(owner: "a", leaseSeconds: 15) { (store) async throws in
            let renewing = ContinuousClock.now
            #expect(try await store.renewLeases(["s1": "q1"]).isEmpty, "renewed until 15 s from now")
            #expect(try await store.renewLeases(["s1": "q-other"]) == ["s1"], "only the query holding it renews it")
            return renewing
        }
        // The first lease (15 s from `started`) is over; the renewed one (15 s from `renewed`) is not.
        try await Task.sleep(until: max(started + .seconds(16), renewed + .seconds(3)))
        try await place.withStore(owner: "b", leaseSeconds: 15) { (store) async throws in
            do {
                try await store.beginQuery(sessionId: "s1", queryId: "q2", title: nil)
                Issue.record("the renewed lease was taken before it expired")
            } catch StoreError.leaseHeld(let id, let owner, let queryId) {
                #expect(id == "s1" && owner == "a" && queryId == "q1")
            }
        }
        try await Task.sleep(until: renewed + .seconds(16.5))
        try await place.withStore(owner: "b", leaseSeconds: 15) { (store) async throws in
            let before = try await store.beginQuery(sessionId: "s1", queryId: "q2", title: "ignored")
            #expect(before == 4, "the expired query was closed first (version 3 → 4), then taken (→ 5)")
            let log = try await store.events(sessionId: "s1", after: 3, limit: 10)
            let finalSeq = Int64(3 + EventLogLimits.maxUncommittedEvents + 1)
            #expect(log.map(\.seq) == [finalSeq, finalSeq + 1], "closed as crash recovery does: numbered above anything streamed")
            #expect(log.map(\.type) == ["final", "usage"] && log.allSatisfy { $0.queryId == "q1" })
            #expect(log.first?.json.contains(#""status":"interrupted""#) == true)
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored.history.map(\.content) == ["one", "two"], "history at the last committed step")
            #expect(stored.summary.title == "one" && stored.summary.version == 5 && stored.summary.runningQueryId == "q2")
            #expect(try await store.leaseState(sessionId: "s1")?.leaseOwner == "b")
            // The turn's end releases the lease: anyone may start the next query at once.
            try await store.commitTurn(TurnCommit(events: [F.event(finalSeq + 2, query: "q2")], usage: nil, lastUsedAt: nil,
                                                  query: .finished, queryId: "q2", baseVersion: 5), to: "s1")
            #expect(try await store.leaseState(sessionId: "s1")
                    == SessionLeaseState(version: 6, runningQueryId: nil, leaseOwner: nil, leaseActive: false))
        }
        try await place.withStore(owner: "a", leaseSeconds: 15) { (store) async throws in
            #expect(try await store.beginQuery(sessionId: "s1", queryId: "q3", title: nil) == 6)
            #expect(try await store.sweepExpiredLeases(now: Date()).isEmpty, "a live lease is not swept")
            await #expect(throws: StoreError.self) { try await store.beginQuery(sessionId: "gone", queryId: "q", title: nil) }
            #expect(try await store.leaseState(sessionId: "gone") == nil)
        }
    }

    @Test(arguments: Backend.allCases) func commitsOfAResponderThatLostItsLeaseOrHoldsAStaleCopyAreRefused(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let (version, committed) = try await place.withStore(owner: "a", leaseSeconds: 4) { (store) async throws in
            try await store.createSession(C.header("s1"))
            let before = try await store.beginQuery(sessionId: "s1", queryId: "q1", title: nil)
            let step = try await store.commitTurn(C.commit(history: .append(from: 0, messages: F.toolStep(1)),
                                                           events: F.events(1...2), running: "q1")
                                                    .based(on: before + 1), to: "s1")
            #expect(step == before + 2)
            return (step, ContinuousClock.now)
        }
        try await place.withStore(owner: "b", leaseSeconds: 4) { (store) async throws in
            await #expect(throws: StoreError.self, "b cannot end a's query") {
                try await store.commitTurn(C.commit(events: [F.event(3)]), to: "s1")
            }
            try await Task.sleep(until: committed + .seconds(5))
            let swept = try await store.sweepExpiredLeases(now: Date())
            #expect(swept.map(\.queryId) == ["q1"])
            #expect(try await store.sweepExpiredLeases(now: Date()).isEmpty, "each expired query is closed once")
        }
        try await place.withStore(owner: "a", leaseSeconds: 4) { (store) async throws in
            let late = await #expect(throws: StoreError.self, "the query's lease expired and it was closed") {
                try await store.commitTurn(C.commit(history: .append(from: 2, messages: [.assistant("late")]),
                                                    events: [F.event(300)]).ending("q1").based(on: version), to: "s1")
            }
            guard case .leaseLost? = late else { Issue.record("expected leaseLost, got \(String(describing: late))"); return }
            let stale = await #expect(throws: StoreError.self, "a copy older than the store's is stale") {
                try await store.commitTurn(C.commit(history: .replace(with: [])).based(on: version), to: "s1")
            }
            guard case .leaseLost? = stale else { Issue.record("expected leaseLost, got \(String(describing: stale))"); return }
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored.history == F.toolStep(1), "nothing of a refused commit was written")
            #expect(stored.summary.version == version + 1, "only the sweep changed it")
            #expect(try await store.commitTurn(C.commit(history: .replace(with: [])).based(on: version + 1), to: "s1")
                    == version + 2, "a current copy commits")
        }
    }

    /// Every responder sweeps; SKIP LOCKED (PostgreSQL) or the one writer (SQLite) closes each
    /// dead query exactly once, and sessions with a query marked running are never expired.
    @Test(arguments: Backend.allCases) func concurrentSweepsCloseEachDeadQueryOnceAndExpiryLeavesRunningSessions(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let sessions = (0..<12).map { "d\($0)" }
        try await place.withStore(owner: "dead", leaseSeconds: 1) { (store) async throws in
            for id in sessions {
                try await store.createSession(C.header(id, createdAt: F.start))
                try await store.beginQuery(sessionId: id, queryId: "q-\(id)", title: nil)
            }
            try await store.createSession(C.header("idle", createdAt: F.start))
        }
        try await Task.sleep(for: .seconds(1.3))
        let sweepers = backend == .postgresql ? 3 : 1
        var stores: [any SessionStore] = []
        for n in 0..<sweepers { stores.append(try await place.open(owner: "sweeper\(n)", leaseSeconds: 1)) }
        let expired = try await stores[0].expireSessions(idleBefore: F.start.addingTimeInterval(10), excluding: [])
        #expect(expired == ["idle"], "a session with a query marked running is not expired, even when idle")
        let closed = try await withThrowingTaskGroup(of: [RecoveredQuery].self) { group in
            for n in 0..<3 {
                let store = stores[n % stores.count]
                group.addTask { try await store.sweepExpiredLeases(now: Date()) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        for store in stores { await store.close() }
        #expect(closed.map(\.sessionId).sorted() == sessions.sorted(), "each dead query closed exactly once")
        try await place.withStore(owner: "next", leaseSeconds: 1) { (store) async throws in
            for id in sessions {
                #expect(try await store.events(sessionId: id, after: 0, limit: 10).map(\.type) == ["final", "usage"])
                #expect(try await store.beginQuery(sessionId: id, queryId: "again", title: nil) == 3, "begun, swept")
            }
        }
    }
}

extension StorePlace {
    /// A store on this place whose leases are `owner`'s and last `leaseSeconds`.
    func open(owner: String, leaseSeconds: Double) async throws -> any SessionStore {
        let lease = LeaseSettings(owner: owner, duration: .milliseconds(Int64(leaseSeconds * 1000)))
        switch backend {
        case .sqlite:
            return try await SQLiteSessionStore(settings: SQLiteSessionStore.Settings(
                path: sqlitePath!, maxEventsPerSession: maxEvents, busyTimeout: .seconds(2), healthProbeInterval: .zero,
                lease: lease))
        case .postgresql:
            var settings = postgresSettings!
            settings.lease = lease
            return try await PostgresSessionStore(settings: settings)
        }
    }

    @discardableResult
    func withStore<T>(owner: String, leaseSeconds: Double, _ body: (any SessionStore) async throws -> T) async throws -> T {
        try await open(owner: owner, leaseSeconds: leaseSeconds).closing { try await body($0) }
    }
}

extension TurnCommit {
    func based(on version: Int64) -> TurnCommit {
        var commit = self
        commit.baseVersion = version
        return commit
    }

    /// The commit that ends `queryId`'s turn (its lease is checked and released).
    func ending(_ queryId: String) -> TurnCommit {
        var commit = self
        commit.queryId = queryId
        return commit
    }
}
