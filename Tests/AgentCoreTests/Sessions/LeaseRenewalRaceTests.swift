import Foundation
import Testing
@testable import AgentCore

/// A lease renewal that races the query's end: the end commit releases the lease, so a renewal
/// that reaches the store after it finds the lease gone. That is not a lost lease and must not
/// stop the query (it did, at 4,000 held streams: five queries "lost" their lease in one run and
/// one stream ended without its answer).
@Suite struct LeaseRenewalRaceTests {
    /// On PostgreSQL, where another connection can hold the session's row: the end commit waits
    /// for it, the renewal queues behind the end commit, and both go once the row is free.
    @Test func aRenewalAfterTheEndCommitDoesNotStopTheQuery() async throws {
        let place = try await StorePlace(.postgresql)
        // One connection: the store's jobs run in the order they were made, so the renewal made
        // while the end commit waits runs after it, as it does on a busy store.
        var settings = try #require(place.postgresSettings)
        settings.poolSize = 1
        settings.lease = LeaseSettings(owner: "a", duration: .seconds(15))
        let store = try await PostgresSessionStore(settings: settings)
        let manager = SessionManager(settings: sessionSettings(), store: store)
        try await store.createSession(Contract.header("s"))
        // The run's one step is written with its end: after the start, the end is the only commit.
        let runner = ScriptedRunner(pause: .milliseconds(500), endsRun: true)
        let query = try await manager.submitQuery(sessionId: "s", owner: nil, message: "hi", runner: runner,
                                                  defaultSystemPrompt: nil)
        while (try await store.leaseState(sessionId: "s"))?.runningQueryId == nil { try await Task.sleep(for: .milliseconds(5)) }
        // Another connection holds the session's row for two seconds: the end commit, once the
        // run is over, waits for it.
        let blocker = PostgresPool(settings: PostgresConnectionSettings(url: place.postgresURL!), size: 1, name: "test-blocker")
        let holding = Task {
            try await blocker.perform("hold the row") { connection in
                try connection.execute("BEGIN", operation: "hold")
                try connection.execute("SELECT 1 FROM sessions WHERE id = 's' FOR UPDATE", operation: "hold")
                usleep(3_000_000)
                try connection.execute("COMMIT", operation: "hold")
            }
        }
        // The run is over once its end commit waits for the row (seen from a third connection).
        let observer = PostgresPool(settings: PostgresConnectionSettings(url: place.postgresURL!), size: 1, name: "test-observer")
        var waiting = 0
        for _ in 0..<200 where waiting == 0 {
            waiting = try await observer.perform("observe") { connection in
                try connection.query(PostgresStatement("waiting", """
                    SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()
                    """), [], operation: "observe").int(0, 0)
            }
            if waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        await observer.stop()
        #expect(waiting == 1, "the end commit waits for the row")
        // A renewal now would reach the row after the end commit and find the lease gone. The
        // ending query is not offered for renewal at all: its end releases the lease.
        let before = store.roundTrips
        await manager.renewLeases()
        #expect(store.roundTrips == before, "nothing to renew: the one query here is ending")
        try await holding.value
        await blocker.stop()
        let result = await query.result()
        #expect(result.failure == nil && result.terminal.responseText == "echo: hi", "\(result)")
        #expect(manager.counters.leasesLost.load(ordering: .relaxed) == 0, "the ended query's own release is no lost lease")
        #expect(try await store.leaseState(sessionId: "s")?.runningQueryId == nil)
        await store.close()
    }
}
