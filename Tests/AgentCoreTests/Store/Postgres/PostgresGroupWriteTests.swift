import Foundation
import Testing
@testable import AgentCore

/// On PostgreSQL, session creations and query starts join the turn commits' group transaction
/// (`PostgresSessionDatabase.commit(batch:)`). Held until all of them wait, so they are provably
/// in one batch, each still gets exactly what it would have got alone: a taken id is refused, a
/// lease another responder holds is refused and kept, a dead query is closed as interrupted
/// before the start takes its lease, an unknown session is not found, and the rest are written.
@Suite struct PostgresGroupWriteTests {
    typealias C = Contract
    typealias F = StoreFixtures

    @Test func createsAndStartsInOneBatchEachGetTheirOwnOutcome() async throws {
        let place = try await StorePlace(.postgresql)
        let a = try await place.open(owner: "a", leaseSeconds: 15) as! PostgresSessionStore
        let b = try await place.open(owner: "b", leaseSeconds: 15)
        do {
            for id in ["idle", "held", "dead", "running"] { try await a.createSession(C.header(id)) }
            try await b.beginQuery(sessionId: "held", queryId: "q-b", title: nil)
            try await b.beginQuery(sessionId: "dead", queryId: "q-dead", title: nil)
            try await b.commitTurn(C.commit(events: [F.event(1, session: "dead")], running: "q-dead"), to: "dead")
            // b "died": its lease on `dead` expired long ago.
            try await place.rawSQL("UPDATE sessions SET lease_expires_at = 0 WHERE id = 'dead'")
            let runningVersion = try await a.beginQuery(sessionId: "running", queryId: "q-run", title: nil)

            let writes: [(String, @Sendable () async throws -> Void)] = [
                ("new", { try await a.createSession(C.header("new")) }),
                ("taken", { try await a.createSession(C.header("idle")) }),
                ("started", { _ = try await a.createSession(C.header("started"), beginningQuery: "q-s", title: "first") }),
                ("idle", { try await a.beginQuery(sessionId: "idle", queryId: "q-idle", title: "first") }),
                ("held", { try await a.beginQuery(sessionId: "held", queryId: "q-held", title: nil) }),
                ("dead", { try await a.beginQuery(sessionId: "dead", queryId: "q-new", title: nil) }),
                ("missing", { try await a.beginQuery(sessionId: "missing", queryId: "q-missing", title: nil) }),
                ("commit", { try await a.commitTurn(C.fencedStep(of: "q-run", on: "running", startedAt: runningVersion), to: "running") }),
            ]
            let outcomes = try await a.commits.outcomesOfOneBatch(writes)
            #expect(a.commits.statistics.largestBatch == writes.count, "one transaction held them all")
            for name in ["new", "started", "idle", "dead", "commit"] {
                #expect(outcomes[name] == .some(nil), "\(name): \(String(describing: outcomes[name]))")
            }
            #expect(outcomes["taken"]??.contains("idle") == true, "\(String(describing: outcomes["taken"]))")
            #expect(outcomes["held"]??.contains("q-b") == true, "\(String(describing: outcomes["held"]))")
            #expect(outcomes["missing"]??.contains("missing") == true, "\(String(describing: outcomes["missing"]))")

            let created = try #require(try await a.loadSession(id: "new")).summary
            #expect(created.header == C.header("new"), "every field of a batched creation, the time exact")
            let started = try #require(try await a.leaseState(sessionId: "started"))
            #expect(started.runningQueryId == "q-s" && started.leaseOwner == "a" && started.leaseActive
                    && started.version == 2, "created holding its query's lease: \(started)")
            #expect(try await a.loadSession(id: "started")?.summary.title == "first")
            let idle = try #require(try await a.leaseState(sessionId: "idle"))
            #expect(idle.runningQueryId == "q-idle" && idle.leaseOwner == "a" && idle.leaseActive)
            #expect(try await a.loadSession(id: "idle")?.summary.title == "first")
            let held = try #require(try await a.leaseState(sessionId: "held"))
            #expect(held.runningQueryId == "q-b" && held.leaseOwner == "b", "another responder's live lease is kept")
            let dead = try #require(try await a.leaseState(sessionId: "dead"))
            #expect(dead.runningQueryId == "q-new" && dead.leaseOwner == "a")
            let closed = try await a.events(sessionId: "dead", after: 0, limit: 10)
            #expect(closed.map(\.type) == ["text", "final", "usage"] && closed.map(\.queryId).last == "q-dead",
                    "the dead query was closed as interrupted first: \(closed.map(\.type))")
            #expect(try await a.events(sessionId: "running", after: 0, limit: 10).count == 1)
            // The fence holds after a batched start: b's late commit on `dead` is refused.
            var late = C.commit(events: [F.event(9, session: "dead")], running: "q-dead")
            late.queryId = "q-dead"
            await #expect(throws: StoreError.self) { try await b.commitTurn(late, to: "dead") }
        } catch {
            await a.close()
            await b.close()
            throw error
        }
        await a.close()
        await b.close()
    }

    /// Many queries on new sessions at once, so batches hold several creations: the session
    /// counts' trigger locks one row per shard, and two batches taking shards in different
    /// orders would deadlock (PostgreSQL breaks it after `deadlock_timeout`, a second's stall).
    /// Creations are inserted in shard order, so the server never sees one.
    @Test func concurrentQueriesOnNewSessionsNeverDeadlock() async throws {
        let place = try await StorePlace(.postgresql)
        let store = try await place.open(owner: "a", leaseSeconds: 15) as! PostgresSessionStore
        let manager = SessionManager(settings: sessionSettings { $0.maxSessions = 10_000 }, store: store)
        let runner = ScriptedRunner()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        for _ in 0..<15 {
                            let result = await (try await manager.submitQuery(sessionId: nil, owner: nil, message: "m", runner: runner,
                                                                              defaultSystemPrompt: nil)).result()
                            #expect(result.failure == nil && result.persistenceError == nil, "\(result)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.countSessions(in: .everyone) == 16 * 15)
            #expect(store.groupCommitStatistics.writes > store.groupCommitStatistics.commits, "creations were queued")
        } catch {
            await store.close()
            throw error
        }
        // A backend reports its statistics when it exits at the latest.
        await store.close()
        #expect(try await Self.deadlocks(place) == 0, "no deadlock was detected by the server")
    }

    /// Deadlocks the server detected in this test's database.
    static func deadlocks(_ place: StorePlace) async throws -> Int {
        let pool = PostgresPool(settings: PostgresConnectionSettings(url: try #require(place.postgresURL)), size: 1,
                                name: "test-postgres")
        do {
            let count = try await pool.perform("test") {
                try $0.query(PostgresStatement("test_deadlocks",
                                               "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"),
                             operation: "deadlocks").int(0, 0)
            }
            await pool.stop()
            return count
        } catch {
            await pool.stop()
            throw error
        }
    }
}
