import Foundation
import Testing
@testable import AgentCore

@Suite struct AgentSessionTests {
    @Test func streamEndsWithExactlyOneTerminalEventThenUsage() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let subscription = try await manager.submitQuery(sessionId: "s", owner: nil, message: "hello",
                                                             runner: ScriptedRunner(), defaultSystemPrompt: nil)
            let events = await collect(subscription)
            #expect(events.map(\.event.type) == ["text_delta", "text_delta", "text", "final", "usage"])
            #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(events.allSatisfy { $0.queryId == subscription.queryId && $0.sessionId == "s" })
            let result = await subscription.result()
            #expect(result.terminal.responseText == "echo: hello")
            #expect(result.usage.totalTokens == 12)
        }
    }

    @Test func seqKeepsIncreasingAcrossQueries() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner()
            let first = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner,
                                                                    defaultSystemPrompt: nil))
            let second = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "b", runner: runner,
                                                                     defaultSystemPrompt: nil))
            #expect(second.first!.seq == first.last!.seq + 1)
            let session = try await manager.session(id: "s", owner: nil)
            #expect(try await session.messages().map(\.content) == ["a", "echo: a", "b", "echo: b"])
            #expect(session.info.messageCount == 4)
        }
    }

    @Test func systemPromptIsSentButNotStoredInHistory() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner()
            let session = try await manager.create(owner: nil, systemPrompt: "be brief")
            _ = await collect(try await session.submit(message: "a", runner: runner, defaultSystemPrompt: "default"))
            _ = await collect(try await manager.submitQuery(sessionId: "other", owner: nil, message: "b", runner: runner,
                                                            defaultSystemPrompt: "default"))
            #expect(runner.histories.map { $0.first?.content } == ["be brief", "default"])
            #expect(try await session.messages().allSatisfy { $0.role != .system })
        }
    }

    @Test func queuePolicySerialisesQueriesOnOneSession() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner(pause: .milliseconds(100))
            let first = try await manager.submitQuery(sessionId: "s", owner: nil, message: "one", runner: runner,
                                                      defaultSystemPrompt: nil)
            let second = try await manager.submitQuery(sessionId: "s", owner: nil, message: "two", runner: runner,
                                                       defaultSystemPrompt: nil)
            let session = try await manager.session(id: "s", owner: nil)
            #expect(session.info.queuedQueries == 1)
            async let firstEvents = collect(first)
            async let secondEvents = collect(second)
            let (a, b) = await (firstEvents, secondEvents)
            #expect(a.last!.seq < b.first!.seq, "the second query must start after the first ended")
            #expect(runner.histories[1].map(\.content) == ["one", "echo: one"])
        }
    }

    @Test func rejectPolicyAnswersBusyWithTheRunningQueryId() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings { $0.concurrencyPolicy = .reject }, store: store)
            let runner = ScriptedRunner(pause: .seconds(30))
            let first = try await manager.submitQuery(sessionId: "s", owner: nil, message: "one", runner: runner,
                                                      defaultSystemPrompt: nil)
            await #expect(throws: SessionError.busy(id: "s", runningQueryId: first.queryId, reason: "a query is running")) {
                _ = try await manager.submitQuery(sessionId: "s", owner: nil, message: "two", runner: runner,
                                                  defaultSystemPrompt: nil)
            }
            #expect(try await manager.session(id: "s", owner: nil).cancelRunning())
            _ = await first.result()
        }
    }

    @Test func fullQueueAnswersBusy() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings { $0.maxQueuePerSession = 1 }, store: store)
            let runner = ScriptedRunner(pause: .seconds(30))
            let first = try await manager.submitQuery(sessionId: "s", owner: nil, message: "1", runner: runner, defaultSystemPrompt: nil)
            let second = try await manager.submitQuery(sessionId: "s", owner: nil, message: "2", runner: runner, defaultSystemPrompt: nil)
            await #expect(throws: SessionError.self) {
                _ = try await manager.submitQuery(sessionId: "s", owner: nil, message: "3", runner: runner, defaultSystemPrompt: nil)
            }
            try await manager.delete(id: "s", owner: nil)
            #expect(await first.result().terminal == .final(content: "echo: ", status: .cancelled))
            let secondEvents = await collect(second)
            #expect(secondEvents.map(\.event.type) == ["error", "usage"], "a queued query that never ran still ends well-formed")
        }
    }

    @Test func readsAnswerWhileAQueryRuns() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let subscription = try await manager.submitQuery(sessionId: "s", owner: nil, message: "x",
                                                             runner: ScriptedRunner(pause: .seconds(30)), defaultSystemPrompt: nil)
            let info = try await manager.session(id: "s", owner: nil).info
            #expect(info.runningQueryId == subscription.queryId)
            #expect(try await manager.list(owner: nil, limit: 10, after: nil).sessions.count == 1)
            #expect(try await manager.session(id: "s", owner: nil).cancelRunning())
            _ = await subscription.result()
        }
    }

    @Test func disconnectWithCancelPolicyCancelsTheQuery() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings { $0.onDisconnect = .cancel }, store: store)
            let runner = ScriptedRunner(pause: .seconds(30))
            let subscription = try await manager.submitQuery(sessionId: "s", owner: nil, message: "x", runner: runner,
                                                             defaultSystemPrompt: nil)
            subscription.clientGone()
            let result = await subscription.result()
            #expect(result.terminal == .final(content: "echo: ", status: .cancelled))
            #expect(runner.cancelled.load(ordering: .relaxed) == 1)
        }
    }

    @Test func disconnectWithContinuePolicyFinishesTheTurn() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let subscription = try await manager.submitQuery(sessionId: "s", owner: nil, message: "x",
                                                             runner: ScriptedRunner(pause: .milliseconds(50)), defaultSystemPrompt: nil)
            subscription.clientGone()
            #expect(await subscription.result().terminal.responseText == "echo: x")
            #expect(try await manager.session(id: "s", owner: nil).messages().count == 2)
        }
    }

    /// The finished query's events are served by the store (as `GET …/events` replays them),
    /// the running one's from memory, then live.
    @Test func followReplaysFromStoreAndMemoryThenFollowsTheRunningQuery() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner(pause: .milliseconds(100))
            let first = try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner, defaultSystemPrompt: nil)
            let firstEvents = await collect(first)
            let second = try await manager.submitQuery(sessionId: "s", owner: nil, message: "b", runner: runner, defaultSystemPrompt: nil)
            let session = try await manager.session(id: "s", owner: nil)
            let follow = await session.follow(after: 2)
            #expect(follow.storedRange == 3...firstEvents.last!.seq)
            var followed = try await store.events(sessionId: "s", after: 2, limit: 100).map(\.seq)
                .filter { follow.storedRange!.contains($0) }
            for await event in follow.events { followed.append(event.seq) }
            let secondEvents = await collect(second)
            #expect(followed == Array(3...secondEvents.last!.seq), "no gaps, no duplicates")
            #expect(firstEvents.count == 5)
        }
    }

    @Test func clearCancelsTheRunningQueryAndEmptiesHistory() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner()
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner, defaultSystemPrompt: nil))
            let slow = try await manager.submitQuery(sessionId: "s", owner: nil, message: "b",
                                                     runner: ScriptedRunner(pause: .seconds(30)), defaultSystemPrompt: nil)
            let session = try await manager.session(id: "s", owner: nil)
            try await session.clear()
            #expect(await slow.result().terminal == .final(content: "echo: ", status: .cancelled))
            #expect(try await session.messages().isEmpty)
            #expect(session.info.usage.totalTokens == 0, "clear resets the session's usage, as the reference does")
            #expect(session.info.lifetimeUsage.totalTokens == 24, "what was spent stays in the lifetime total")
        }
    }

    @Test func aClearedSessionStartsCountingUsageAgainAndItsRunKnowsWhatWasSetAside() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner()
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner,
                                                            defaultSystemPrompt: nil))
            let session = try await manager.session(id: "s", owner: nil)
            try await session.clear()
            try await session.clear()
            #expect(session.info.lifetimeUsage.totalTokens == 12, "a second clear sets nothing more aside")
            let after = try await manager.submitQuery(sessionId: "s", owner: nil, message: "b", runner: runner,
                                                      defaultSystemPrompt: nil)
            let events = await collect(after)
            guard case .usage(let reported) = events.last?.event else {
                Issue.record("the stream must end with usage: \(events.map(\.event.type))")
                return
            }
            #expect(reported.totalTokens == 12, "the usage event counts from the clear")
            #expect(session.info.usage.totalTokens == 12 && session.info.lifetimeUsage.totalTokens == 24)
            #expect(runner.contexts.last?.clearedUsage.totalTokens == 12, "the run is told what the clear set aside")
        }
    }

    @Test func theFirstMessageNamesTheSessionAndLaterOnesDoNot() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let session = try await manager.create(owner: nil, systemPrompt: nil)
            #expect(session.info.title == nil)
            _ = await collect(try await session.submit(message: "  What is\n2+3?  ", runner: ScriptedRunner(),
                                                       defaultSystemPrompt: nil))
            _ = await collect(try await session.submit(message: "and 4+4?", runner: ScriptedRunner(), defaultSystemPrompt: nil))
            #expect(session.info.title == "What is 2+3?")
            let page = try await manager.list(owner: nil, limit: 10, after: nil)
            #expect(page.sessions.map(\.title) == ["What is 2+3?"])
        }
    }
}
