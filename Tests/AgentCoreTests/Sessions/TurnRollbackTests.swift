import Foundation
import Testing
@testable import AgentCore

/// Issue 12 #5, history equals what is stored: a turn whose commit fails on a real full disk
/// is rolled back from memory, so reads, the next model call, later commits and a graceful
/// shutdown never see it, and the client's error says nothing was kept.
@Suite struct TurnRollbackTests {
    /// Needs fresh pages wherever it is written, so its commit fails on a "full" disk.
    static let bigMessage = String(repeating: "x", count: 256 * 1024)

    @Test func aTurnWhoseCommitFailsLeavesNoTraceAndTheClientIsToldNothingWasKept() async throws {
        let directory = try TemporaryDirectory()
        let runner = ScriptedRunner()
        let (failedSeqs, usageBefore) = try await StoreFixtures.withStore(directory) { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner,
                                                            defaultSystemPrompt: nil))
            let session = try await manager.session(id: "s", owner: nil)
            let usageBefore = session.info.usage

            // The disk fills up after admission: the store still takes the in-place writes that
            // start a query, but not the step that needs room for the message.
            _ = try await store.setMaxPageCount(1)
            let failing = try await manager.submitQuery(sessionId: "s", owner: nil, message: Self.bigMessage,
                                                        runner: runner, defaultSystemPrompt: nil)
            let events = await collect(failing)
            let result = await failing.result()

            guard case .storeUnavailable(let reason)? = result.failure else {
                Issue.record("the blocking endpoint needs a 503 naming the outage, got \(String(describing: result.failure))")
                return (events.map(\.seq), usageBefore)
            }
            #expect(reason.contains("nothing of this turn was kept"), "\(reason)")
            guard case .error(let message, .internalError) = result.terminal else {
                Issue.record("the stream ends with an error event, got \(result.terminal)")
                return (events.map(\.seq), usageBefore)
            }
            #expect(message.contains("nothing of this turn was kept"), "the stream's error says so too: \(message)")
            #expect(events.last?.event.type == "usage" && events.contains { $0.event.type == "error" })

            #expect(try await session.messages().map(\.content) == ["a", "echo: a"], "GET …/messages shows what is stored")
            #expect(session.info.messageCount == 2)
            #expect(session.info.usage == usageBefore, "usage of the rolled-back turn is not kept either")
            #expect(result.usage == usageBefore)
            // Memory went back to the stored history, and (idle now) holds none of it.
            let inMemory = await session.history
            #expect(!session.isHoldingHistory && inMemory.isEmpty)

            // Room again, then a graceful shutdown: its commit writes nothing of the failed turn.
            _ = try await store.setMaxPageCount(1_073_741_823)
            await manager.stopAll(reason: "shutting down")
            let stored = try #require(try await store.loadSession(id: "s"))
            #expect(stored.history.map(\.content) == ["a", "echo: a"])
            #expect(stored.summary.usage == usageBefore)
            let storedEvents = try await store.events(sessionId: "s", after: 0, limit: 100)
            #expect(!storedEvents.contains { Set(events.dropLast(2).map(\.seq)).contains($0.seq) },
                    "the turn's events were dropped, not written later")
            return (events.map(\.seq), usageBefore)
        }

        // A new process: the next model call sees only the stored history, and seqs go on above
        // every seq the failed turn streamed.
        try await StoreFixtures.withStore(directory) { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let next = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "c", runner: runner,
                                                                   defaultSystemPrompt: nil))
            #expect(runner.histories.last?.map(\.content) == ["a", "echo: a"], "the model never sees the failed turn")
            #expect(try await store.loadSession(id: "s")?.history.map(\.content) == ["a", "echo: a", "c", "echo: c"])
            #expect(next.first!.seq > failedSeqs.max()!, "seqs the client saw are never reused: \(next.map(\.seq)) after \(failedSeqs)")
            let usageAfter = try #require(try await store.sessionSummary(id: "s")).usage
            #expect(usageAfter.byModel["scripted"]?.invocations == (usageBefore.byModel["scripted"]?.invocations ?? 0) + 1)
        }
    }

    @Test func aFailedClearKeepsTheHistoryItHad() async throws {
        let directory = try TemporaryDirectory()
        try await StoreFixtures.withStore(directory) { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "keep me",
                                                            runner: ScriptedRunner(), defaultSystemPrompt: nil))
            let session = try await manager.session(id: "s", owner: nil)
            let files = [directory.databasePath, directory.databasePath + "-wal"]
            try #require(StoreGateTests.chattr("+i", files), "chattr +i makes the files unwritable even for root")
            defer { _ = StoreGateTests.chattr("-i", files) }
            do {
                try await session.clear()
                Issue.record("clearing must fail while the store cannot be written")
            } catch let error as SessionError {
                guard case .storeUnavailable(let reason) = error else {
                    Issue.record("expected storeUnavailable (503), got \(error)")
                    return
                }
                #expect(reason.contains("the history was kept"), "\(reason)")
            }
            #expect(try await session.messages().map(\.content) == ["keep me", "echo: keep me"])
            #expect(session.info.messageCount == 2)
        }
    }

    @Test func deleteDuringAnOutageIsRefusedAndTheSessionStays() async throws {
        let directory = try TemporaryDirectory()
        try await StoreFixtures.withStore(directory) { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "hi",
                                                            runner: ScriptedRunner(), defaultSystemPrompt: nil))
            let files = [directory.databasePath, directory.databasePath + "-wal"]
            try #require(StoreGateTests.chattr("+i", files))
            var immutable = true
            defer { if immutable { _ = StoreGateTests.chattr("-i", files) } }
            do {
                try await manager.delete(id: "s", owner: nil)
                Issue.record("DELETE must fail while the store cannot be written")
            } catch let error as SessionError {
                guard case .storeUnavailable = error else {
                    Issue.record("expected storeUnavailable (503 + Retry-After), got \(error)")
                    return
                }
            }
            #expect(StoreGateTests.chattr("-i", files))
            immutable = false
            let session = try await manager.session(id: "s", owner: nil)
            #expect(try await session.messages().count == 2, "nothing was deleted")
        }
    }
}
