import Foundation
import Testing
@testable import AgentCore

/// Issue 12 #13 at the session layer: queries racing DELETE and clear on the same session are
/// the client's conflict (409) or a fresh session (get-or-create), never a store outage, and a
/// session re-created under a deleted id keeps its store row.
@Suite struct SessionRaceTests {
    @Test func aQueryCancelledByDeleteOrClearIsAConflict() async throws {
        for operation in ["delete", "clear"] {
            let directory = try TemporaryDirectory()
            try await StoreFixtures.withStore(directory) { store in
                let manager = SessionManager(settings: sessionSettings(),
                                             store: store)
                let runner = ScriptedRunner(pause: .seconds(30))
                let running = try await manager.submitQuery(sessionId: "s", owner: nil, message: "slow", runner: runner,
                                                            defaultSystemPrompt: nil)
                let queued = try await manager.submitQuery(sessionId: "s", owner: nil, message: "next", runner: runner,
                                                           defaultSystemPrompt: nil)
                while runner.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                if operation == "delete" {
                    try await manager.delete(id: "s", owner: nil)
                } else {
                    try await manager.session(id: "s", owner: nil).clear()
                }
                for subscription in [running, queued] {
                    let result = await subscription.result()
                    guard case .conflict(_, let reason)? = result.failure else {
                        Issue.record("\(operation): expected a conflict (409), got \(String(describing: result.failure))")
                        continue
                    }
                    let expected = operation == "delete" ? "deleted" : "cleared"
                    #expect(reason.contains("query cancelled") && reason.contains(expected), "\(reason)")
                }
                #expect(store.health.isHealthy)
            }
        }
    }

    /// The race that answered 503 "snapshot store: session r0 not found": DELETE removed the
    /// store row of a session a concurrent query had just re-created under the same id.
    @Test func queriesRacingDeleteAndClearNeverSeeAStoreOutage() async throws {
        let directory = try TemporaryDirectory()
        try await StoreFixtures.withStore(directory) { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let runner = ScriptedRunner(pause: .milliseconds(2))
            let failures = try await withThrowingTaskGroup(of: [String].self) { group in
                for client in 0..<12 {
                    group.addTask {
                        var failures: [String] = []
                        for round in 0..<25 {
                            let id = "r\((client + round) % 3)"
                            do {
                                switch (client + round) % 4 {
                                case 0: try await manager.delete(id: id, owner: nil)
                                case 1: try await manager.session(id: id, owner: nil).clear()
                                default:
                                    let subscription = try await manager.submitQuery(
                                        sessionId: id, owner: nil, message: "m\(round)", runner: runner, defaultSystemPrompt: nil)
                                    let result = await subscription.result()
                                    switch result.failure {
                                    case nil, .conflict?: break
                                    case let other?: failures.append("query \(id): \(other)")
                                    }
                                }
                            } catch SessionError.notFound, SessionError.conflict, SessionError.busy {
                                // The client's race (404/409): the session was gone, went while in use, or its queue was full.
                            } catch {
                                failures.append("\(id): \(error)")
                            }
                        }
                        return failures
                    }
                }
                var all: [String] = []
                for try await failures in group { all += failures }
                return all
            }
            #expect(failures.isEmpty, "\(failures.prefix(5))")
            #expect(store.health.isHealthy)
            // Every session still in memory has its store row: its next commit works.
            for id in ["r0", "r1", "r2"] {
                let subscription = try await manager.submitQuery(sessionId: id, owner: nil, message: "after",
                                                                 runner: ScriptedRunner(), defaultSystemPrompt: nil)
                let result = await subscription.result()
                #expect(result.failure == nil && result.persistenceError == nil, "\(id): \(result)")
                #expect(try await store.loadSession(id: id)?.history.last?.content == "echo: after")
            }
        }
    }

    /// A client polling `GET /sessions/{id}` for the id it is about to create keeps a load of that
    /// id in flight almost all the time; each load finds nothing. Creating the id must wait those
    /// loads out and succeed, not answer 409 after a few tries.
    @Test func creationIsNotRefusedWhileLookupsOfTheSameIdFindNothing() async throws {
        try await StoreFixtures.withTemporaryStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            for round in 0..<20 {
                let id = "polled-\(round)"
                let pollers = (0..<4).map { _ in
                    Task {
                        var misses = 0
                        while (try? await manager.session(id: id, owner: nil)) == nil, misses < 100_000 { misses += 1 }
                        return misses
                    }
                }
                // Let the pollers get going so lookups are in flight when the creation comes.
                while await manager.loading.isEmpty { await Task.yield() }
                let created = try await manager.sessionForQuery(id: id, owner: nil)
                #expect(created.id == id)
                for poller in pollers { _ = await poller.value }
                #expect(try await manager.session(id: id, owner: nil) === created)
            }
        }
    }
}
