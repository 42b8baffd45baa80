import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreRoundTripTests {
    typealias F = StoreFixtures

    @Test func sessionHistoryEventsAndUsageSurviveReopening() async throws {
        let directory = try TemporaryDirectory()
        let history: [ChatMessage] = [.system("be brief"), .user("read two files")] + F.toolStep(1) + F.toolStep(2)
        let events = [F.event(1, .stepStart(stepId: "call1", title: "read", stepNumber: 1)),
                      F.event(2, .toolCall(tool: "read", args: ["path": "f1"], toolCallId: "call1", displayName: "Read")),
                      F.event(3, .final(content: "done", status: .completed))]
        let usage = F.usage(prompt: 120, completion: 30)
        let used = F.start.addingTimeInterval(42.5)
        try await F.withStore(directory) { store in
            try await store.createSession(SessionHeader(id: "s1", owner: "alice", createdAt: F.start, systemPrompt: "be brief"))
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: history), events: events, usage: usage,
                                                  lastUsedAt: used), to: "s1")
        }
        try await F.withStore(directory) { store in
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored.history == history)
            #expect(stored.summary == SessionSummary(id: "s1", owner: "alice", createdAt: F.start, lastUsedAt: used,
                                                   systemPrompt: "be brief", usage: usage, messageCount: history.count,
                                                   lastSeq: 3, version: 2))
            let replay = try await store.events(sessionId: "s1", after: 0, limit: 100)
            #expect(replay == events.map(StoredEvent.init))
            #expect(replay.map(\.json) == events.map(\.json), "replayed JSON must be byte-identical to what was streamed")
            #expect(try await store.events(sessionId: "s1", after: 1, limit: 1).map(\.seq) == [2])
            #expect(try await store.loadSession(id: "nope") == nil)
        }
    }

    @Test func appendingAddsAfterStoredMessagesAndReplacingRewritesAll() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            let first: [ChatMessage] = [.user("q")] + F.toolStep(1)
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: first), usage: nil, lastUsedAt: F.start), to: "s1")
            try await store.commitTurn(TurnCommit(history: .append(from: 3, messages: F.toolStep(2)), usage: nil, lastUsedAt: F.start),
                                       to: "s1")
            #expect(try await store.loadSession(id: "s1")?.history == first + F.toolStep(2))

            let compacted: [ChatMessage] = [.user("summary of earlier work"), .assistant("ok")]
            try await store.commitTurn(TurnCommit(history: .replace(with: compacted), usage: nil, lastUsedAt: F.start),
                                       to: "s1")
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored.history == compacted)
            #expect(stored.summary.messageCount == 2)

            await #expect(throws: StoreError.self, "appending past the stored end would leave a hole") {
                try await store.commitTurn(TurnCommit(history: .append(from: 5, messages: [.user("x")]), usage: nil,
                                                      lastUsedAt: F.start), to: "s1")
            }
            #expect(try await store.loadSession(id: "s1")?.history == compacted, "a rejected commit changes nothing")
        }
    }

    @Test func commitIsAllOrNothing() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: [.user("a")]), events: F.events(1...2),
                                                  usage: F.usage(prompt: 1, completion: 1), lastUsedAt: F.start), to: "s1")
            // Seq 2 is already stored: the whole commit, messages and usage included, must be refused.
            let rejected = TurnCommit(history: .append(from: 1, messages: [.user("b")]), events: F.events(3...3) + [F.event(2)],
                                      usage: F.usage(prompt: 9, completion: 9), lastUsedAt: F.start.addingTimeInterval(9))
            do {
                try await store.commitTurn(rejected, to: "s1")
                Issue.record("a commit with a non-increasing seq must throw")
            } catch StoreError.seqNotIncreasing(let session, let seq, let lastSeq) {
                #expect(session == "s1" && seq == 2 && lastSeq == 3)
            }
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored.history == [.user("a")])
            #expect(stored.summary.usage == F.usage(prompt: 1, completion: 1))
            #expect(stored.summary.lastSeq == 2)
            #expect(stored.summary.lastUsedAt == F.start)
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).map(\.seq) == [1, 2])
            #expect(store.health == .healthy, "a caller's mistake is not a storage failure")
        }
    }

    @Test func seqStaysMonotonicAcrossClearAndReopen() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: [.user("a"), .assistant("b")]),
                                                  events: F.events(1...4), usage: F.usage(prompt: 5, completion: 5),
                                                  lastUsedAt: F.start), to: "s1")
            #expect(try await store.clearSession("s1", at: F.start.addingTimeInterval(1)))
            let cleared = try #require(try await store.loadSession(id: "s1"))
            #expect(cleared.history.isEmpty && cleared.summary.messageCount == 0)
            #expect(cleared.summary.usage == SessionUsage())
            #expect(cleared.summary.clearedUsage == F.usage(prompt: 5, completion: 5), "the lifetime survives the clear")
            #expect(cleared.summary.lastSeq == 4, "clear must not rewind seq")
            #expect(try await !store.clearSession("other", at: F.start))
        }
        try await F.withStore(directory) { store in
            #expect(try await store.sessionSummary(id: "s1")?.lastSeq == 4)
            await #expect(throws: StoreError.self) { try await store.appendEvents([F.event(4)], to: "s1") }
            try await store.appendEvents([F.event(5)], to: "s1", lastUsedAt: F.start.addingTimeInterval(5))
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).map(\.seq) == [1, 2, 3, 4, 5])
            #expect(try await store.sessionSummary(id: "s1")?.lastUsedAt == F.start.addingTimeInterval(5))
        }
    }

    @Test func createRefusesTakenIdAndDeleteRemovesEverything() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            await #expect(throws: StoreError.self) { try await store.createSession(F.header("s1")) }
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: [.user("a")]), events: F.events(1...3),
                                                  usage: nil, lastUsedAt: F.start), to: "s1")
            #expect(try await store.deleteSession(id: "s1"))
            #expect(try await !store.deleteSession(id: "s1"))
            #expect(try await store.loadSession(id: "s1") == nil)
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).isEmpty)
            // The id is free again and starts from scratch.
            try await store.createSession(F.header("s1"))
            #expect(try await store.loadSession(id: "s1")?.history == [])
            await #expect(throws: StoreError.self) {
                try await store.commitTurn(TurnCommit(history: .unchanged, usage: nil, lastUsedAt: F.start), to: "missing")
            }
        }
    }

    @Test func queryMarkerFollowsBeginCommitAndEnd() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            try await store.beginQuery(sessionId: "s1", queryId: "q1", title: nil)
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == "q1")
            try await store.commitTurn(TurnCommit(history: .unchanged, events: F.events(1...1), usage: nil, lastUsedAt: F.start),
                                       to: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == "q1", "a step commit keeps the marker")
            try await store.commitTurn(TurnCommit(history: .unchanged, events: F.events(2...2), usage: nil, lastUsedAt: F.start,
                                                  query: .finished), to: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == nil)
            try await store.commitTurn(TurnCommit(history: .unchanged, usage: nil, lastUsedAt: F.start, query: .running(queryId: "q2")),
                                       to: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == "q2")
            try await store.endQuery(in: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == nil)
            await #expect(throws: StoreError.self) { try await store.beginQuery(sessionId: "missing", queryId: "q3", title: nil) }
        }
    }
}
