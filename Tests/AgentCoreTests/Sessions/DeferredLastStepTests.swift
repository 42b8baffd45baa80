import Foundation
import Testing
@testable import AgentCore

/// A run's last step (`QueryCheckpoint.endsRun`) is written with the query's end: one commit
/// instead of two, and nobody sees the events after it before that commit is in. When it
/// fails, the turn is rolled back and the stream ends as a failed step commit ends it.
@Suite struct DeferredLastStepTests {
    @Test func theLastStepIsWrittenWithTheEndInOneCommit() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            for (endsRun, commits) in [(false, 2), (true, 1)] {
                let before = store.groupCommitStatistics.commits
                let subscription = try await manager.submitQuery(sessionId: "s", owner: nil, message: "m\(endsRun)",
                                                                 runner: ScriptedRunner(endsRun: endsRun), defaultSystemPrompt: nil)
                let events = await collect(subscription)
                let result = await subscription.result()
                #expect(result.failure == nil && result.persistenceError == nil, "\(result)")
                #expect(store.groupCommitStatistics.commits - before == commits, "endsRun \(endsRun)")
                #expect(events.map(\.event.type).suffix(3) == ["text", "final", "usage"])
                let stored = try await store.events(sessionId: "s", after: events[0].seq - 1, limit: 100)
                #expect(stored.map(\.seq) == events.map(\.seq), "every event shown is stored")
            }
            #expect(try await store.loadSession(id: "s")?.history.map(\.content)
                    == ["mfalse", "echo: mfalse", "mtrue", "echo: mtrue"])
        }
    }

    @Test func aFailedEndCommitShowsNothingOfTheDeferredStepAndKeepsNothingOfTheTurn() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner(endsRun: true)
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner,
                                                            defaultSystemPrompt: nil))
            // A full disk: the start's in-place writes go in, the answer's big message does not.
            _ = try await store.setMaxPageCount(1)
            let failing = try await manager.submitQuery(sessionId: "s", owner: nil, message: TurnRollbackTests.bigMessage,
                                                        runner: runner, defaultSystemPrompt: nil)
            let events = await collect(failing)
            let result = await failing.result()
            _ = try await store.setMaxPageCount(1_073_741_823)
            guard case .storeUnavailable(let reason)? = result.failure else {
                Issue.record("a 503 naming the outage, got \(String(describing: result.failure))")
                return
            }
            #expect(reason.contains("nothing of this turn was kept"), "\(reason)")
            guard case .error(let message, .internalError) = result.terminal else {
                Issue.record("the query ends in an error, got \(result.terminal)")
                return
            }
            #expect(message.contains("nothing of this turn was kept"), "\(message)")
            let types = events.map(\.event.type)
            #expect(!types.contains("final") && !types.contains("text"), "the held answer was never shown: \(types)")
            #expect(types.suffix(2) == ["error", "usage"], "\(types)")
            #expect(try await store.loadSession(id: "s")?.history.map(\.content) == ["a", "echo: a"])
        }
    }
}
