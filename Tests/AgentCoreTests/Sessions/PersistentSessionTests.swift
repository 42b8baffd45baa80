import Foundation
import Testing
@testable import AgentCore

/// Sessions over a real SQLite store: what a 200 means, lazy loading, eviction that loses nothing.
@Suite struct PersistentSessionTests {
    func withManager<T>(_ directory: TemporaryDirectory, settings: SessionSettings = sessionSettings(),
                        _ body: (SessionManager, SQLiteSessionStore) async throws -> T) async throws -> T {
        try await StoreFixtures.withStore(directory) { store in
            let manager = SessionManager(settings: settings, store: store)
            return try await body(manager, store)
        }
    }

    @Test func aFinishedQueryIsOnDiskWhenItsResultIsReady() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory) { manager, store in
            let subscription = try await manager.submitQuery(sessionId: "s", owner: "alice", message: "hi",
                                                             runner: ScriptedRunner(), defaultSystemPrompt: "sys")
            let result = await subscription.result()
            #expect(result.persistenceError == nil)
            let stored = try #require(try await store.loadSession(id: "s"))
            #expect(stored.history.map(\.content) == ["hi", "echo: hi"], "stored history has no system prompt")
            #expect(stored.summary.owner == "alice")
            #expect(stored.summary.runningQueryId == nil)
            let events = try await store.events(sessionId: "s", after: 0, limit: 100)
            #expect(events.map(\.type) == ["text_delta", "text_delta", "text", "final", "usage"])
            #expect(stored.summary.usage.totalTokens == 12)
        }
    }

    @Test func aRestartedManagerLoadsSessionsLazilyAndSeqContinues() async throws {
        let directory = try TemporaryDirectory()
        let firstEvents = try await withManager(directory) { manager, _ in
            await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a",
                                                        runner: ScriptedRunner(), defaultSystemPrompt: nil))
        }
        try await withManager(directory) { manager, _ in
            #expect(await manager.inMemoryCount == 0, "start-up loads nothing")
            let session = try await manager.session(id: "s", owner: nil)
            #expect(try await session.messages().map(\.content) == ["a", "echo: a"])
            let next = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "b",
                                                                   runner: ScriptedRunner(), defaultSystemPrompt: nil))
            #expect(next.first!.seq == firstEvents.last!.seq + 1)
            #expect(try await manager.totalCount() == 1)
        }
    }

    @Test func anEvictedSessionComesBackFromTheStore() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory, settings: sessionSettings { $0.maxSessions = 1 }) { manager, _ in
            _ = await collect(try await manager.submitQuery(sessionId: "first", owner: nil, message: "a",
                                                            runner: ScriptedRunner(), defaultSystemPrompt: nil))
            _ = try await manager.create(owner: nil, systemPrompt: nil)
            #expect(manager.counters.evicted.load(ordering: .relaxed) == 1)
            let back = try await manager.session(id: "first", owner: nil)
            #expect(try await back.messages().count == 2)
            #expect(manager.counters.loaded.load(ordering: .relaxed) == 1)
        }
    }

    @Test func aFinishedQuerysEventsAreLeftToTheStore() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory, settings: sessionSettings { $0.recentEventsInMemory = 3 }) { manager, store in
            let runner = ScriptedRunner()
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner,
                                                            defaultSystemPrompt: nil))
            let session = try await manager.session(id: "s", owner: nil)
            #expect(await session.recentEvents.isEmpty, "an idle session holds its history, not its events")
            let follow = await session.follow(after: 0)
            #expect(follow.storedRange == 1...5)
            var live: [Int64] = []
            for await event in follow.events { live.append(event.seq) }
            #expect(live == [])
            #expect(try await store.events(sessionId: "s", after: 0, limit: 10).map(\.seq) == [1, 2, 3, 4, 5])
        }
    }

    @Test func deleteAndExpiryRemoveSessionsFromTheStore() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory) { manager, store in
            _ = try await manager.sessionForQuery(id: "gone", owner: nil)
            _ = try await manager.sessionForQuery(id: "old", owner: nil)
            try await manager.delete(id: "gone", owner: nil)
            #expect(try await store.loadSession(id: "gone") == nil)
            let expired = await manager.expireIdleSessions(now: Date().addingTimeInterval(7200))
            #expect(expired == ["old"])
            #expect(try await store.countSessions(in: .everyone) == 0)
        }
    }

    @Test func clearResetsUsageWhileTheLifetimeAndTitleSurviveARestart() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory) { manager, store in
            let runner = ScriptedRunner()
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "first question",
                                                            runner: runner, defaultSystemPrompt: nil))
            try await manager.session(id: "s", owner: nil).clear()
            let cleared = try #require(try await store.sessionSummary(id: "s"))
            #expect(cleared.usage == SessionUsage() && cleared.clearedUsage.totalTokens == 12, "\(cleared)")
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "second question",
                                                            runner: runner, defaultSystemPrompt: nil))
        }
        try await withManager(directory) { manager, _ in
            let info = try await manager.session(id: "s", owner: nil).info
            #expect(info.usage.totalTokens == 12, "usage counts from the clear")
            #expect(info.lifetimeUsage.totalTokens == 24, "the lifetime is stored, not rebuilt from memory")
            #expect(info.title == "first question")
            #expect(try await manager.list(owner: nil, limit: 5, after: nil).sessions.map(\.title) == ["first question"])
        }
    }

    @Test func listingPagesThroughStoredSessionsWithACursor() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory) { manager, _ in
            for index in 0..<5 { _ = try await manager.sessionForQuery(id: "s\(index)", owner: "bob") }
            let first = try await manager.list(owner: "bob", limit: 2, after: nil)
            let second = try await manager.list(owner: "bob", limit: 10, after: first.nextCursor)
            #expect(first.sessions.count == 2)
            #expect(second.sessions.count == 3)
            #expect(second.nextCursor == nil)
            #expect(Set((first.sessions + second.sessions).map(\.id)).count == 5)
            await #expect(throws: SessionError.invalidCursor("nonsense!")) {
                _ = try await manager.list(owner: "bob", limit: 2, after: "nonsense!")
            }
        }
    }

    /// Issue 12 #4: without REMOTE_USER a caller sees only the sessions created without one,
    /// never a principal's, in lists and counts alike; the operator's total covers everyone.
    @Test func anonymousCallersListAndCountOnlySessionsWithoutAnOwner() async throws {
        let directory = try TemporaryDirectory()
        try await withManager(directory) { manager, _ in
            _ = try await manager.sessionForQuery(id: "alices", owner: "alice")
            _ = try await manager.sessionForQuery(id: "bobs", owner: "bob")
            _ = try await manager.sessionForQuery(id: "shared", owner: nil)
            #expect(try await manager.list(owner: nil, limit: 100, after: nil).sessions.map(\.id) == ["shared"])
            #expect(try await manager.list(owner: "alice", limit: 100, after: nil).sessions.map(\.id) == ["alices"])
            #expect(try await manager.count(owner: nil) == 1)
            #expect(try await manager.count(owner: "bob") == 1)
            #expect(try await manager.count(owner: "carol") == 0)
            #expect(try await manager.totalCount() == 3)
            #expect(await manager.inMemoryCount(in: .owner(nil)) == 1)
        }
        try await StoreFixtures.withTemporaryStore { store in
            let another = SessionManager(settings: sessionSettings(), store: store)
            _ = try await another.sessionForQuery(id: "alices", owner: "alice")
            _ = try await another.sessionForQuery(id: "shared", owner: nil)
            #expect(try await another.list(owner: nil, limit: 100, after: nil).sessions.map(\.id) == ["shared"])
            #expect(try await another.count(owner: nil) == 1)
            #expect(try await another.totalCount() == 2)
        }
    }
}
