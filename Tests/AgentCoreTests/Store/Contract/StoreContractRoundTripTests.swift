import Foundation
import Testing
@testable import AgentCore

/// The store contract every `SessionStore` backend keeps, run against each.
@Suite struct StoreContractRoundTripTests {
    typealias F = StoreFixtures
    typealias C = Contract

    @Test(arguments: Backend.allCases) func historyEventsUsageAndHeaderSurviveReopening(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let history: [ChatMessage] = [.user("read two files ✓")] + F.toolStep(1) + F.toolStep(2)
        let events = [F.event(1, .stepStart(stepId: "call1", title: "read", stepNumber: 1)),
                      F.event(2, .toolCall(tool: "read", args: ["path": "f1"], toolCallId: "call1", displayName: "Read")),
                      F.event(3, .final(content: "done \"quoted\" \\ \u{0}", status: .completed))]
        let usage = F.usage(prompt: 120, completion: 30)
        let used = F.start.addingTimeInterval(42.5)
        // A NUL and non-ASCII in the prompt: PostgreSQL text cannot hold NUL, so the store must encode it.
        let prompt = "be brief\u{0} — ünïcode"
        try await place.withStore { store in
            try await store.createSession(C.header("s1", owner: "alice", systemPrompt: prompt))
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: history), events: events,
                                                usage: usage, lastUsedAt: used), to: "s1")
        }
        try await place.withStore { store in
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored == StoredSession(summary: SessionSummary(
                id: "s1", owner: "alice", createdAt: F.start, lastUsedAt: used, systemPrompt: prompt, usage: usage,
                messageCount: history.count, lastSeq: 3, version: 2), history: history), "created at version 1, one commit")
            let replay = try await store.events(sessionId: "s1", after: 0, limit: 100)
            #expect(replay == events.map(StoredEvent.init))
            #expect(replay.map(\.json) == events.map { $0.json }, "replayed JSON must be byte-identical to what was streamed")
            #expect(try await store.events(sessionId: "s1", after: 1, limit: 1).map(\.seq) == [2])
            #expect(try await store.events(sessionId: "s1", after: 3, limit: 10).isEmpty)
            #expect(try await store.loadSession(id: "nope") == nil)
            #expect(await store.checkHealth() == .healthy)
        }
    }

    @Test(arguments: Backend.allCases) func appendAddsAfterStoredMessagesAndReplaceRewritesAll(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            let first: [ChatMessage] = [.user("q")] + F.toolStep(1)
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: first)), to: "s1")
            try await store.commitTurn(C.commit(history: .append(from: 3, messages: F.toolStep(2))), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.history == first + F.toolStep(2))

            // Appending at an index below the stored end replaces from there (a retried step).
            try await store.commitTurn(C.commit(history: .append(from: 3, messages: F.toolStep(3))), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.history == first + F.toolStep(3))

            let compacted: [ChatMessage] = [.user("summary of earlier work"), .assistant("ok")]
            try await store.commitTurn(C.commit(history: .replace(with: compacted)), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.history == compacted)
            let listed = try await store.listSessions(in: .everyone, limit: 10, after: nil).sessions
            #expect(listed.map(\.messageCount) == [2])

            do {
                try await store.commitTurn(C.commit(history: .append(from: 5, messages: [.user("x")]),
                                                    events: F.events(1...1)), to: "s1")
                Issue.record("appending past the stored end would leave a hole")
            } catch StoreError.historyGap(let session, let from, let stored) {
                #expect(session == "s1" && from == 5 && stored == 2)
            }
            #expect(try await store.loadSession(id: "s1")?.history == compacted, "a refused commit changes nothing")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).isEmpty)
            try await store.commitTurn(C.commit(history: .replace(with: [])), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.history == [], "clear: an empty history")
        }
    }

    @Test(arguments: Backend.allCases) func aRefusedCommitLeavesNothingBehind(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("a")]),
                                                events: F.events(1...2), usage: F.usage(prompt: 1, completion: 1)), to: "s1")
            // Seq 2 is already stored: the whole commit, messages and usage included, must be refused.
            let rejected = C.commit(history: .append(from: 1, messages: [.user("b")]),
                                    events: F.events(3...3) + [F.event(2)], usage: F.usage(prompt: 9, completion: 9),
                                    clearedUsage: F.usage(prompt: 5, completion: 5),
                                    lastUsedAt: F.start.addingTimeInterval(9), running: "q9")
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
            #expect(stored.summary.clearedUsage == SessionUsage())
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).map(\.seq) == [1, 2])
            #expect(try await store.recoverInterruptedQueries(now: F.start).isEmpty, "the refused commit's running marker was not stored")
            #expect(await store.checkHealth() == .healthy, "a caller's mistake is not a storage failure")
            // And the store goes on: the next valid commit lands.
            try await store.commitTurn(C.commit(history: .append(from: 1, messages: [.user("b")]),
                                                events: F.events(3...3)), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.lastSeq == 3)
        }
    }

    @Test(arguments: Backend.allCases) func seqOnlyGrowsAcrossCommitsClearAndReopening(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("a")]),
                                                events: F.events(1...4)), to: "s1")
            try await store.commitTurn(C.commit(history: .replace(with: []), events: F.events(5...5)), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.lastSeq == 5, "a clear does not rewind seq")
        }
        try await place.withStore { store in
            #expect(try await store.loadSession(id: "s1")?.summary.lastSeq == 5)
            for stale in [Int64(5), 3] {
                await #expect(throws: StoreError.self, "seq \(stale) is not above 5") {
                    try await store.commitTurn(C.commit(events: [F.event(stale)]), to: "s1")
                }
            }
            await #expect(throws: StoreError.self, "events within one commit must increase too") {
                try await store.commitTurn(C.commit(events: [F.event(7), F.event(6)]), to: "s1")
            }
            try await store.commitTurn(C.commit(events: [F.event(9)], lastUsedAt: F.start.addingTimeInterval(5)), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).map(\.seq) == [1, 2, 3, 4, 5, 9])
            #expect(try await store.loadSession(id: "s1")?.summary.lastUsedAt == F.start.addingTimeInterval(5))
        }
    }

    @Test(arguments: Backend.allCases) func createRefusesATakenIdAndDeleteRemovesEverything(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            try await store.createSession(C.header("s1", owner: "alice"))
            let taken = await #expect(throws: StoreError.self) { try await store.createSession(C.header("s1")) }
            #expect(taken.map { if case .sessionExists("s1") = $0 { true } else { false } } == true, "\(String(describing: taken))")
            #expect(try await store.countSessions(in: .owner("alice")) == 1)
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("a")]),
                                                events: F.events(1...3)), to: "s1")
            #expect(try await store.deleteSession(id: "s1"))
            #expect(try await store.deleteSession(id: "s1") == false, "a second delete finds nothing")
            #expect(try await store.loadSession(id: "s1") == nil)
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 10).isEmpty)
            #expect(try await store.countSessions(in: .owner("alice")) == 0)
            // The id is free again and starts from scratch.
            try await store.createSession(C.header("s1"))
            #expect(try await store.loadSession(id: "s1")?.history == [])
            #expect(try await store.loadSession(id: "s1")?.summary.lastSeq == 0)
            let missingCommit = await #expect(throws: StoreError.self) { try await store.commitTurn(C.commit(), to: "missing") }
            let missingBegin = await #expect(throws: StoreError.self) {
                try await store.beginQuery(sessionId: "missing", queryId: "q", title: nil)
            }
            for error in [missingCommit, missingBegin] {
                #expect(error.map { if case .sessionNotFound("missing") = $0 { true } else { false } } == true,
                        "\(String(describing: error))")
            }
        }
    }
}
