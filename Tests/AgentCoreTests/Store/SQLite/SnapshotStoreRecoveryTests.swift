import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreRecoveryTests {
    typealias F = StoreFixtures

    @Test func queryRunningAtCrashEndsInterruptedWithHistoryOfLastStep() async throws {
        let directory = try TemporaryDirectory()
        let committed: [ChatMessage] = [.user("do it")] + F.toolStep(1)
        // The "crashed" process: its store is never closed and never ends the query. Its files,
        // copied as they are (the database and the WAL; the WAL index lives in its memory), are
        // what a crash leaves; a store opened on the copy is the restarted process. (It holds the
        // file exclusively, so no second store can open the original while it is open.)
        let crashed = try await SQLiteSessionStore(settings: F.settings(directory))
        try await crashed.createSession(F.header("s1"))
        try await crashed.createSession(F.header("idle"))
        try await crashed.beginQuery(sessionId: "s1", queryId: "q1", title: nil)
        try await crashed.commitTurn(TurnCommit(history: .append(from: 0, messages: committed), events: F.events(1...4),
                                                usage: F.usage(prompt: 10, completion: 2), lastUsedAt: F.start), to: "s1")

        let restarted = try TemporaryDirectory()
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: directory.databasePath + suffix, toPath: restarted.databasePath + suffix)
        }
        await crashed.close()

        let restartTime = F.start.addingTimeInterval(3600)
        try await F.withStore(restarted) { store in
            let recovered = try await store.recoverInterruptedQueries(now: restartTime)
            #expect(recovered.map(\.sessionId) == ["s1"])
            let final = try #require(recovered.first?.event)
            // Seqs up to 4 + maxUncommittedEvents may have been streamed live before the crash.
            let finalSeq = Int64(4 + EventLogLimits.maxUncommittedEvents + 1)
            #expect(final == StampedEvent(event: .final(content: "", status: .interrupted), timestamp: restartTime,
                                          sessionId: "s1", queryId: "q1", seq: finalSeq))
            #expect(recovered.first?.usageEvent == StampedEvent(event: .usage(F.usage(prompt: 10, completion: 2)),
                                                                timestamp: restartTime, sessionId: "s1", queryId: "q1",
                                                                seq: finalSeq + 1),
                    "the query ends final, then usage (API.md 4.1)")

            let log = try await store.events(sessionId: "s1", after: 0, limit: 100)
            #expect(log.map(\.seq) == [1, 2, 3, 4, finalSeq, finalSeq + 1])
            #expect(log.dropLast().last?.json == final.json)
            #expect(log.map(\.type).suffix(2) == ["final", "usage"])
            #expect(log.dropLast().last.map { $0.json.contains(#""status":"interrupted""#) } == true)

            let session = try #require(try await store.loadSession(id: "s1"))
            #expect(session.history == committed, "history is the last committed step")
            #expect(session.summary.runningQueryId == nil)
            #expect(session.summary.lastSeq == finalSeq + 1)
            #expect(try await store.recoverInterruptedQueries(now: restartTime).isEmpty, "recovery is done once")

            // The session is usable again and seq continues upward.
            try await store.beginQuery(sessionId: "s1", queryId: "q2", title: nil)
            await #expect(throws: StoreError.self) {
                try await store.appendEvents([F.event(finalSeq + 1, query: "q2")], to: "s1")
            }
            try await store.commitTurn(TurnCommit(history: .append(from: 3, messages: [.user("again")]),
                                                  events: F.events((finalSeq + 2)...(finalSeq + 3), query: "q2"), usage: nil,
                                                  lastUsedAt: restartTime, query: .finished), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: finalSeq + 1, limit: 10).map(\.seq)
                    == [finalSeq + 2, finalSeq + 3])
        }
    }

    @Test func eventLogKeepsOnlyTheNewestWithinTheBound() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory, maxEvents: 5) { store in
            try await store.createSession(F.header("s1"))
            try await store.appendEvents(F.events(1...3), to: "s1")
            try await store.appendEvents(F.events(4...7), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq) == [3, 4, 5, 6, 7])
            // One batch larger than the bound.
            try await store.commitTurn(TurnCommit(history: .unchanged, events: F.events(8...15), usage: nil, lastUsedAt: F.start),
                                       to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq) == [11, 12, 13, 14, 15])
            #expect(try await store.sessionSummary(id: "s1")?.lastSeq == 15)

            // Recovery's own events also respect the bound, and seq keeps counting past dropped events.
            try await store.beginQuery(sessionId: "s1", queryId: "q9", title: nil)
            _ = try await store.recoverInterruptedQueries(now: F.start)
            let finalSeq = Int64(15 + EventLogLimits.maxUncommittedEvents + 1)
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq) == [13, 14, 15, finalSeq, finalSeq + 1])
            await #expect(throws: StoreError.self) { try await store.appendEvents([F.event(11)], to: "s1") }
        }
        try await F.withStore(directory, maxEvents: 5) { store in
            let finalSeq = Int64(15 + EventLogLimits.maxUncommittedEvents + 1)
            try await store.appendEvents(F.events((finalSeq + 2)...(finalSeq + 2)), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq)
                    == [14, 15, finalSeq, finalSeq + 1, finalSeq + 2],
                    "the bound holds across reopening")
        }
    }
}
