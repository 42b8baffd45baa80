import Foundation
import Testing
@testable import AgentCore

/// A query running when its process died, and the session layer on top, against each backend.
@Suite struct StoreContractRecoveryTests {
    typealias F = StoreFixtures
    typealias C = Contract

    @Test(arguments: Backend.allCases)
    func aQueryRunningAtACrashEndsInterruptedWithTheLastCommittedHistory(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let committed: [ChatMessage] = [.user("do it")] + F.toolStep(1)
        // The "crashed" process: its store is never closed and never ends the query. A second
        // store on the data it left (`afterCrash`) is the restarted process.
        let crashed = try await place.open()
        try await crashed.createSession(C.header("s1"))
        try await crashed.createSession(C.header("idle"))
        try await crashed.beginQuery(sessionId: "s1", queryId: "q1", title: nil)
        try await crashed.commitTurn(C.commit(history: .append(from: 0, messages: committed),
                                              events: F.events(1...4), usage: F.usage(prompt: 10, completion: 2),
                                              running: "q1"), to: "s1")
        let restarted = try place.afterCrash()
        let restartTime = F.start.addingTimeInterval(3600)
        try await restarted.withStore { store in
            let recovered = try await store.recoverInterruptedQueries(now: restartTime)
            #expect(recovered.map(\.sessionId) == ["s1"])
            let finalSeq = Int64(4 + EventLogLimits.maxUncommittedEvents + 1)
            #expect(recovered.first?.event == StampedEvent(event: .final(content: "", status: .interrupted),
                                                           timestamp: restartTime, sessionId: "s1", queryId: "q1",
                                                           seq: finalSeq))
            #expect(recovered.first?.usageEvent == StampedEvent(event: .usage(F.usage(prompt: 10, completion: 2)),
                                                                timestamp: restartTime, sessionId: "s1", queryId: "q1",
                                                                seq: finalSeq + 1), "the query ends final, then usage")
            let log = try await store.events(sessionId: "s1", after: 0, limit: 100)
            #expect(log.map(\.seq) == [1, 2, 3, 4, finalSeq, finalSeq + 1])
            #expect(log.map(\.type).suffix(2) == ["final", "usage"])
            #expect(log.dropLast().last?.json == recovered.first?.event.json)

            let session = try #require(try await store.loadSession(id: "s1"))
            #expect(session.history == committed, "history is the last committed step")
            #expect(session.summary.lastSeq == finalSeq + 1)
            #expect(try await store.recoverInterruptedQueries(now: restartTime).isEmpty, "recovery is done once")

            // The session is usable again, seq goes on upward, and a finished query leaves no marker.
            try await store.beginQuery(sessionId: "s1", queryId: "q2", title: nil)
            await #expect(throws: StoreError.self) {
                try await store.commitTurn(C.commit(events: [F.event(finalSeq + 1, query: "q2")], running: "q2"), to: "s1")
            }
            try await store.commitTurn(C.commit(history: .append(from: 3, messages: [.user("again")]),
                                                events: F.events((finalSeq + 2)...(finalSeq + 3), query: "q2")), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: finalSeq + 1, limit: 10).map(\.seq)
                    == [finalSeq + 2, finalSeq + 3])
            #expect(try await store.recoverInterruptedQueries(now: restartTime).isEmpty, "the commit with no running query cleared the marker")
        }
        await crashed.close()
    }

    @Test(arguments: Backend.allCases) func aRestartedManagerLoadsSessionsLazilyAndSeqContinues(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let firstEvents = try await place.withStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let subscription = try await manager.submitQuery(sessionId: "s", owner: "alice", message: "a",
                                                             runner: ScriptedRunner(), defaultSystemPrompt: "sys")
            let events = await collect(subscription)
            #expect(await subscription.result().persistenceError == nil)
            return events
        }
        #expect(firstEvents.map(\.event.type) == ["text_delta", "text_delta", "text", "final", "usage"])
        try await place.withStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            #expect(await manager.inMemoryCount == 0, "start-up loads nothing")
            let session = try await manager.session(id: "s", owner: "alice")
            #expect(try await session.messages().map(\.content) == ["a", "echo: a"])
            await #expect(throws: SessionError.notFound(id: "s")) { _ = try await manager.session(id: "s", owner: "bob") }
            let next = await collect(try await manager.submitQuery(sessionId: "s", owner: "alice", message: "b",
                                                                   runner: ScriptedRunner(), defaultSystemPrompt: nil))
            #expect(next.first?.seq == firstEvents.last.map { $0.seq + 1 })
            #expect(try await manager.totalCount() == 1)
            let stored = try await store.events(sessionId: "s", after: 0, limit: 100)
            #expect(stored.map(\.seq) == Array(1...Int64(firstEvents.count + next.count)))
        }
    }

    /// Many sessions committing at once (on PostgreSQL, over every pooled connection): each
    /// session's steps all land, in order, and nobody's commit takes another's data.
    @Test(arguments: Backend.allCases) func concurrentCommitsFromManySessionsLoseNothing(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let sessions = 12, steps = 8
        try await place.withStore { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<sessions {
                    group.addTask {
                        let id = "c\(n)"
                        try await store.createSession(C.header(id, owner: "o\(n % 3)"))
                        for step in 0..<steps {
                            let seq = Int64(step * 2 + 1)
                            try await store.commitTurn(C.commit(history: .append(from: step * 2, messages: F.toolStep(step)),
                                                                events: F.events(seq...(seq + 1), session: id),
                                                                running: step < steps - 1 ? "q" : nil), to: id)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for n in 0..<sessions {
                let stored = try #require(try await store.loadSession(id: "c\(n)"))
                #expect(stored.history == (0..<steps).flatMap(F.toolStep))
                #expect(try await store.events(sessionId: "c\(n)", after: 0, limit: 100).map(\.seq)
                        == Array(1...Int64(steps * 2)))
            }
            #expect(try await store.countSessions(in: .everyone) == sessions)
            #expect(try await store.countSessions(in: .owner("o1")) == sessions / 3)
            #expect(try await store.recoverInterruptedQueries(now: F.start).isEmpty, "every query ended")
        }
    }
}
