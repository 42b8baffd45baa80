import AgentTestSupport
import Foundation
import Synchronization
import Testing
@testable import AgentCore

/// What one query costs the PostgreSQL store, counted (never timed): round trips per query,
/// and NOTIFYs only for sessions another responder watches. With it, what the savings must
/// not break: a follower arriving mid-query on another responder gets every event, woken by
/// notices from its arrival on, and a cancel from another responder still stops the query.
@Suite struct PostgresQueryCostTests {
    /// A query on a new session: the row created with the query's lease (one statement), the
    /// step's commit (two: lock, then writes and COMMIT pipelined) and the final commit (two).
    /// A new id the client chose is looked up first, and created and leased apart (two more).
    /// An idle session's next query reads its version and its history back first (two more).
    /// A step that ends the run is written with the end: two fewer.
    @Test func aQueryCostsAFixedNumberOfRoundTrips() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase()
        // One connection, so every statement is prepared after the warm-up whichever thread
        // would have run it; health probed once (the first query), not per query.
        let store = try await PostgresSessionStore(settings: .init(
            connection: PostgresConnectionSettings(url: url), poolSize: 1, healthProbeInterval: .seconds(3600),
            lease: LeaseSettings(owner: "counted")))
        let manager = SessionManager(settings: sessionSettings(), store: store)
        let runner = ScriptedRunner()
        func query(_ session: String?, runner: ScriptedRunner = runner) async throws -> (id: String, roundTrips: Int) {
            let before = store.roundTrips
            let subscription = try await manager.submitQuery(sessionId: session, owner: nil, message: "m", runner: runner,
                                                             defaultSystemPrompt: nil)
            let result = await subscription.result()
            #expect(result.failure == nil && result.persistenceError == nil, "\(result)")
            return (subscription.sessionId, store.roundTrips - before)
        }
        do {
            _ = try await query(try await query(nil).id)
            _ = try await query("warm")
            let new = try await query(nil)
            let named = try await query("named")
            let idle = try await query(new.id)
            #expect(new.roundTrips == 5, "new session: created with its lease 1 + step commit 2 + final commit 2, got \(new)")
            #expect(named.roundTrips == 7, "a new id the client chose is looked up first: 1 + 6, got \(named)")
            #expect(idle.roundTrips == 7, "idle session: version 1 + history 1 + lease 1 + two commits 4, got \(idle)")
            #expect(!(try await manager.session(id: new.id, owner: nil)).isHoldingHistory)
            // The agent's answer step ends its run: it is written with the query's end, one commit.
            let answering = ScriptedRunner(endsRun: true)
            let newAnswered = try await query(nil, runner: answering)
            let idleAnswered = try await query(newAnswered.id, runner: answering)
            #expect(newAnswered.roundTrips == 3, "new session, last step with the end: 1 + 2, got \(newAnswered)")
            #expect(idleAnswered.roundTrips == 5, "idle session, last step with the end: 1 + 1 + 1 + 2, got \(idleAnswered)")
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Responder a runs a query in three steps; responder b starts following after the first
    /// step was committed (no notice: nobody watched), gets it from the table, and then each
    /// later commit's events through a notice; a cancel sent through b stops the query on a.
    @Test func aFollowerArrivingMidQueryMissesNothingAndCancelStillArrives() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase()
        func open(_ owner: String) async throws -> PostgresSessionStore {
            try await PostgresSessionStore(settings: .init(connection: PostgresConnectionSettings(url: url), poolSize: 2,
                                                           lease: LeaseSettings(owner: owner)))
        }
        let a = try await open("a"), b = try await open("b"), observer = try await open("observer")
        let inbox = PostgresListenerTests.Inbox()
        observer.notifier.listen { inbox.append($0) }
        let managerA = SessionManager(settings: sessionSettings(), store: a, bus: a.notifier)
        let managerB = SessionManager(settings: sessionSettings(), store: b, bus: b.notifier)
        let runner = SteppedRunner()
        do {
            #expect(await PostgresListenerTests.waitUntil { observer.notifier.isListening })
            let query = try await managerA.submitQuery(sessionId: "followed", owner: nil, message: "go", runner: runner,
                                                       defaultSystemPrompt: nil)
            // Step 1 committed, nobody watching: no notice.
            await runner.reached(1)
            let firstSeq = try #require(try await b.events(sessionId: "followed", after: 0, limit: 100).last?.seq)

            let follower = try #require(managerB.remote).follow("followed", after: 0)
            let replayed = try #require(try await follower.next())
            #expect(replayed.last?.seq == firstSeq, "the follower read step 1 from the table")
            // Step 2, committed while b watches: its commit notifies, and b reads it.
            runner.proceed()
            await runner.reached(2)
            var seen = replayed
            while seen.last.map({ !$0.json.contains("step 2") }) ?? true {
                seen += try #require(try await follower.next())
            }
            let secondSeq = try #require(seen.last?.seq)
            #expect(await inbox.wait { delivery in
                if case .notice(let notice) = delivery { notice.kind == .events && notice.seq == secondSeq } else { false }
            }, "step 2's commit notified: \(inbox.all)")
            #expect(!inbox.all.contains { delivery in
                if case .notice(let notice) = delivery { notice.kind == .events && notice.seq == firstSeq } else { false }
            }, "step 1's commit, made before anyone watched, sent no notice: \(inbox.all)")

            // The query now waits after step 2: a cancel through b reaches it on a.
            #expect(try await managerB.cancel(id: "followed", owner: nil))
            let result = await query.result()
            #expect(result.terminal == .final(content: "step 2", status: .cancelled), "\(result)")
            while let more = try await follower.next() { seen += more }
            let types = seen.map(\.type)
            #expect(types.suffix(2) == ["final", "usage"], "\(types)")
            let stored = try await b.events(sessionId: "followed", after: 0, limit: 100)
            #expect(seen.map(\.seq) == stored.map(\.seq), "the follower got every stored event, in order")
            follower.close()
        } catch {
            runner.proceed()
            for store in [a, b, observer] { await store.close() }
            throw error
        }
        for store in [a, b, observer] { await store.close() }
    }
}

/// Three steps, each committed, then waiting for `proceed` (or a cancel) before the next.
final class SteppedRunner: QueryRunner {
    private let state = Mutex<(step: Int, gates: Int)>((0, 0))

    var toolDefinitions: [ToolDefinition] { [] }

    func proceed() { state.withLock { $0.gates += 1 } }

    /// Waits until step `step` is committed.
    func reached(_ step: Int) async {
        while state.withLock({ $0.step }) < step { try? await Task.sleep(for: .milliseconds(10)) }
    }

    func run(context: QueryContext, history: [ChatMessage], input: QueryInput, usage: SessionUsage,
             emit: @escaping @Sendable (AgentEvent) async -> Void,
             checkpoint: @escaping @Sendable (QueryCheckpoint) async throws -> Void) async -> QueryOutcome {
        var messages = history + [input.message]
        for step in 1...3 {
            await emit(.textDelta(delta: "step \(step)"))
            messages.append(.assistant("step \(step)"))
            do {
                try await checkpoint(QueryCheckpoint(history: messages, usage: usage))
            } catch {
                let terminal = AgentEvent.error(message: "store failed: \(error)", code: .internalError)
                await emit(terminal)
                return QueryOutcome(history: messages, usage: usage, terminal: terminal)
            }
            state.withLock { $0.step = step }
            while state.withLock({ $0.gates }) < step {
                do {
                    try await Task.sleep(for: .milliseconds(10))
                } catch {
                    let terminal = AgentEvent.final(content: "step \(step)", status: .cancelled)
                    await emit(terminal)
                    return QueryOutcome(history: messages, usage: usage, terminal: terminal)
                }
            }
        }
        let terminal = AgentEvent.final(content: "done", status: .completed)
        await emit(terminal)
        return QueryOutcome(history: messages, usage: usage, terminal: terminal)
    }
}
