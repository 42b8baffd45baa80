import Foundation
import Testing
@testable import AgentCore

/// Issue 14 item 8: an idle session keeps its header, not its history; the next query, a read
/// of the messages and an event replay get them from the store. Runs on both backends: the
/// session layer is the same over either.
@Suite struct IdleSessionHistoryTests {
    private func withManager(_ backend: Backend, _ body: (SessionManager) async throws -> Void) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            try await body(SessionManager(settings: sessionSettings(), store: store))
        }
    }

    private func query(_ manager: SessionManager, _ message: String, runner: ScriptedRunner) async throws -> [StampedEvent] {
        await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: message, runner: runner,
                                                    defaultSystemPrompt: "sys"))
    }

    @Test(arguments: Backend.allCases) func anIdleSessionDropsItsHistoryAndTheNextQueryReloadsItEqual(_ backend: Backend) async throws {
        try await withManager(backend) { manager in
            let runner = ScriptedRunner()
            let first = try await query(manager, "a", runner: runner)
            let session = try await manager.session(id: "s", owner: nil)
            #expect(!session.isHoldingHistory, "idle after its query's end was committed")
            #expect(manager.counters.holdingHistory.load(ordering: .relaxed) == 0)
            #expect(await manager.inMemoryCount == 1, "the header stays in memory")
            #expect(session.info.messageCount == 2)
            #expect(session.info.usage.totalTokens == 12)

            // Read from the store, not kept.
            #expect(try await session.messages().map(\.content) == ["a", "echo: a"])
            #expect(!session.isHoldingHistory)

            // The replay comes whole from the store.
            let follow = await session.follow(after: 0)
            #expect(follow.storedRange == 1...first.last!.seq)

            let second = try await query(manager, "b", runner: runner)
            #expect(runner.histories.last?.map(\.content) == ["sys", "a", "echo: a"], "the model saw the reloaded history")
            #expect(second.first!.seq == first.last!.seq + 1, "seq goes on")
            #expect(try await session.messages().map(\.content) == ["a", "echo: a", "b", "echo: b"])
            #expect(!session.isHoldingHistory)
            #expect(session.info.messageCount == 4)
        }
    }

    @Test(arguments: Backend.allCases) func clearingAnIdleSessionEmptiesTheStoredHistory(_ backend: Backend) async throws {
        try await withManager(backend) { manager in
            let runner = ScriptedRunner()
            _ = try await query(manager, "a", runner: runner)
            let session = try await manager.session(id: "s", owner: nil)
            #expect(!session.isHoldingHistory)
            try await session.clear()
            #expect(try await session.messages().isEmpty)
            #expect(try await manager.store.loadSession(id: "s")?.history.isEmpty == true)
            _ = try await query(manager, "b", runner: runner)
            #expect(runner.histories.last?.map(\.content) == ["sys"])
            #expect(try await session.messages().map(\.content) == ["b", "echo: b"])
            #expect(manager.counters.holdingHistory.load(ordering: .relaxed) == 0)
        }
    }

    @Test(arguments: Backend.allCases) func aSessionLoadedFromTheStoreHoldsOnlyItsHeader(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a",
                                                            runner: ScriptedRunner(), defaultSystemPrompt: nil))
        }
        try await place.withStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let session = try await manager.session(id: "s", owner: nil)
            #expect(session.info.messageCount == 2)
            #expect(!session.isHoldingHistory)
            #expect(manager.counters.holdingHistory.load(ordering: .relaxed) == 0)
            #expect(try await session.messages().map(\.content) == ["a", "echo: a"])
        }
    }
}
