import Foundation
import Testing
@testable import AgentCore

@Suite struct SessionManagerTests {
    @Test func queryWithoutSessionIdCreatesOneWithAUUID() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let subscription = try await manager.submitQuery(sessionId: nil, owner: nil, message: "hi",
                                                             runner: ScriptedRunner(), defaultSystemPrompt: nil)
            _ = await collect(subscription)
            #expect(UUID(uuidString: subscription.sessionId) != nil, "expected a UUID, got \(subscription.sessionId)")
            #expect(await manager.inMemoryCount == 1)
        }
    }

    @Test func unknownClientChosenIdCreatesTheSessionUnderThatId() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let session = try await manager.sessionForQuery(id: "my-chat:1", owner: nil)
            #expect(session.id == "my-chat:1")
            let again = try await manager.sessionForQuery(id: "my-chat:1", owner: nil)
            #expect(session === again)
        }
    }

    @Test(arguments: ["", "has space", "slash/y", String(repeating: "a", count: 129), "é"])
    func invalidIdsAreRejected(_ id: String) async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            await #expect(throws: SessionError.invalidId(id: id)) {
                _ = try await manager.session(id: id, owner: nil)
            }
        }
    }

    @Test func anotherOwnerCannotSeeOrQueryASession() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let session = try await manager.create(owner: "alice", systemPrompt: nil)
            await #expect(throws: SessionError.notFound(id: session.id)) {
                _ = try await manager.session(id: session.id, owner: "bob")
            }
            await #expect(throws: SessionError.notFound(id: session.id)) {
                _ = try await manager.sessionForQuery(id: session.id, owner: "bob")
            }
            await #expect(throws: SessionError.notFound(id: session.id)) {
                try await manager.delete(id: session.id, owner: nil)
            }
            #expect(try await manager.list(owner: "bob", limit: 100, after: nil).sessions.isEmpty)
            #expect(try await manager.list(owner: "alice", limit: 100, after: nil).sessions.map(\.id) == [session.id])
        }
    }

    @Test func maxSessionsEvictsTheLeastRecentlyUsedIdleSession() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings { $0.maxSessions = 2 }, store: store)
            let first = try await manager.create(owner: nil, systemPrompt: nil)
            try await Task.sleep(for: .milliseconds(5))
            let second = try await manager.create(owner: nil, systemPrompt: nil)
            _ = try await manager.create(owner: nil, systemPrompt: nil)
            #expect(await manager.inMemoryCount == 2)
            #expect(manager.counters.evicted.load(ordering: .relaxed) == 1)
            // An evicted session would be loaded back from the store: without its row, a lookup
            // finds it only if it is still held in memory.
            #expect(try await store.deleteSession(id: first.id))
            await #expect(throws: SessionError.notFound(id: first.id)) {
                _ = try await manager.session(id: first.id, owner: nil)
            }
            _ = try await manager.session(id: second.id, owner: nil)
        }
    }

    @Test func fullTableOfBusySessionsAnswersCapacity() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings { $0.maxSessions = 1 }, store: store)
            let runner = ScriptedRunner(pause: .seconds(30))
            let busy = try await manager.submitQuery(sessionId: "busy", owner: nil, message: "x", runner: runner,
                                                     defaultSystemPrompt: nil)
            await #expect(throws: SessionError.capacity(retryAfterSeconds: 1)) {
                _ = try await manager.create(owner: nil, systemPrompt: nil)
            }
            try await manager.delete(id: "busy", owner: nil)
            #expect(await busy.result().terminal == .final(content: "echo: ", status: .cancelled))
        }
    }

    @Test func idleSessionsExpireAndBusyOnesDoNot() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings { $0.sessionTimeout = .milliseconds(50) }, store: store)
            let idle = try await manager.create(owner: nil, systemPrompt: nil)
            let running = try await manager.submitQuery(sessionId: "running", owner: nil, message: "x",
                                                        runner: ScriptedRunner(pause: .seconds(30)), defaultSystemPrompt: nil)
            let expired = await manager.expireIdleSessions(now: Date().addingTimeInterval(1))
            #expect(expired == [idle.id])
            await #expect(throws: SessionError.notFound(id: idle.id)) {
                _ = try await manager.session(id: idle.id, owner: nil)
            }
            _ = try await manager.session(id: "running", owner: nil)
            try await manager.delete(id: "running", owner: nil)
            _ = await running.result()
        }
    }
}
