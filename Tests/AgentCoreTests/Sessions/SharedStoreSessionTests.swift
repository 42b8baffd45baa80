import Foundation
import Testing
@testable import AgentCore

/// Two session managers on one PostgreSQL database with different lease owners: two responders
/// in one process. The copy each holds in memory is a cache that follows the other's writes,
/// the queue policy waits for the other's running query, expiry respects the other's use, and
/// a query whose lease is lost is stopped.
@Suite struct SharedStoreSessionTests {
    struct Pair {
        let a: SessionManager
        let b: SessionManager
        let stores: [any SessionStore]

        func close() async {
            for store in stores { await store.close() }
        }
    }

    static func pair(leaseSeconds: Double = 15, _ configure: (inout SessionSettings) -> Void = { _ in }) async throws -> Pair {
        let place = try await StorePlace(.postgresql)
        let first = try await place.open(owner: "a", leaseSeconds: leaseSeconds)
        let second = try await place.open(owner: "b", leaseSeconds: leaseSeconds)
        return Pair(a: SessionManager(settings: sessionSettings(configure), store: first),
                    b: SessionManager(settings: sessionSettings(configure), store: second), stores: [first, second])
    }

    @Test func eachResponderFollowsTheOthersTurnsThroughTheVersion() async throws {
        let pair = try await Self.pair()
        let runner = ScriptedRunner()
        for (turn, manager) in [pair.a, pair.b, pair.a, pair.b].enumerated() {
            let result = await (try await manager.submitQuery(sessionId: "s", owner: nil, message: "m\(turn)", runner: runner,
                                                              defaultSystemPrompt: nil)).result()
            #expect(result.failure == nil && result.persistenceError == nil, "turn \(turn): \(result)")
        }
        #expect(runner.histories.last?.map(\.content) == ["m0", "echo: m0", "m1", "echo: m1", "m2", "echo: m2"],
                "the last turn (on b) started from everything both wrote")
        for manager in [pair.a, pair.b] {
            let messages = try await (try await manager.session(id: "s", owner: nil)).messages()
            #expect(messages.count == 8)
        }
        #expect(pair.a.counters.cacheReloads.load(ordering: .relaxed) >= 1)
        #expect(pair.b.counters.cacheReloads.load(ordering: .relaxed) >= 1)
        let events = try await pair.stores[0].events(sessionId: "s", after: 0, limit: 100)
        #expect(events.map(\.seq) == Array(1...Int64(events.count)), "one sequence, no seq reused")
        await pair.close()
    }

    @Test func queueWaitsForTheOtherRespondersQueryAndRejectRefusesIt() async throws {
        for policy in [ConcurrencyPolicy.queue, .reject] {
            let pair = try await Self.pair { $0.concurrencyPolicy = policy }
            // Under reject the first query runs until cancelled, so it is surely running when the
            // second arrives however late this test gets to it on a loaded machine.
            let pause: Duration = policy == .reject ? .seconds(60) : .milliseconds(800)
            let slow = try await pair.a.submitQuery(sessionId: "s", owner: nil, message: "slow",
                                                    runner: ScriptedRunner(pause: pause), defaultSystemPrompt: nil)
            let store = pair.stores[1]
            #expect(await Self.eventually { (try? await store.leaseState(sessionId: "s"))?.runningQueryId != nil },
                    "a's query holds the lease")
            let runner = ScriptedRunner()
            if policy == .reject {
                await #expect(throws: SessionError.self) {
                    _ = try await pair.b.submitQuery(sessionId: "s", owner: nil, message: "second", runner: runner,
                                                     defaultSystemPrompt: nil)
                }
                #expect(runner.started.load(ordering: .relaxed) == 0)
                #expect(try await pair.a.cancel(id: "s", owner: nil))
                _ = await slow.result()
                await pair.close()
                continue
            } else {
                let second = try await pair.b.submitQuery(sessionId: "s", owner: nil, message: "second", runner: runner,
                                                          defaultSystemPrompt: nil)
                let result = await second.result()
                #expect(result.failure == nil, "\(result)")
                #expect(runner.histories.first?.map(\.content) == ["slow", "echo: slow"], "it ran after the first ended")
            }
            #expect(await slow.result().failure == nil)
            await pair.close()
        }
    }

    @Test func expiryKeepsASessionTheOtherResponderUsedSince() async throws {
        let pair = try await Self.pair { $0.sessionTimeout = .seconds(60) }
        _ = await (try await pair.a.submitQuery(sessionId: "s", owner: nil, message: "one", runner: ScriptedRunner(),
                                                defaultSystemPrompt: nil)).result()
        let betweenUses = Date()
        try await Task.sleep(for: .milliseconds(100))
        _ = await (try await pair.b.submitQuery(sessionId: "s", owner: nil, message: "two", runner: ScriptedRunner(),
                                                defaultSystemPrompt: nil)).result()
        // For a, the session was last used before the cutoff; b used it after.
        let expired = await pair.a.expireIdleSessions(now: betweenUses.addingTimeInterval(60))
        #expect(expired.isEmpty, "b's use counts")
        #expect(try await pair.stores[0].loadSession(id: "s")?.history.count == 4)
        #expect(await pair.a.expireIdleSessions(now: Date().addingTimeInterval(61)) == ["s"], "idle everywhere: expired")
        await pair.close()
    }

    @Test func aQueryWhoseLeaseIsSweptIsStoppedAndItsLateCommitRefused() async throws {
        let pair = try await Self.pair(leaseSeconds: 1)
        // Long enough never to end by itself on a loaded machine: the lost lease cancels it.
        let runner = ScriptedRunner(pause: .seconds(60))
        let stuck = try await pair.a.submitQuery(sessionId: "s", owner: nil, message: "long", runner: runner,
                                                 defaultSystemPrompt: nil)
        // a never renews (its lease loop is not running): once its lease has expired, b's sweeper
        // closes the query. Waited for through the store, not a fixed sleep: on a loaded machine
        // the query task may take the lease late.
        let store = pair.stores[1]
        #expect(await Self.eventually { (try? await store.leaseState(sessionId: "s"))?.runningQueryId != nil },
                "a's query takes the lease")
        #expect(await Self.eventually { (try? await store.leaseState(sessionId: "s"))?.leaseActive == false },
                "a's lease expires unrenewed")
        var swept: [RecoveredQuery] = []
        _ = await Self.eventually {
            swept = await pair.b.sweepExpiredLeases()
            return !swept.isEmpty
        }
        #expect(swept.map(\.sessionId) == ["s"])
        await pair.a.renewLeases()
        #expect(pair.a.counters.leasesLost.load(ordering: .relaxed) == 1, "a learns it lost the lease and stops the query")
        let result = await stuck.result()
        #expect(result.failure != nil, "\(result)")
        let stored = try #require(try await pair.stores[1].loadSession(id: "s"))
        #expect(stored.history.isEmpty, "nothing of the swept turn was written")
        let next = await (try await pair.b.submitQuery(sessionId: "s", owner: nil, message: "next", runner: ScriptedRunner(),
                                                       defaultSystemPrompt: nil)).result()
        #expect(next.failure == nil, "\(next)")
        await pair.close()
    }

    @Test func aSessionDeletedThroughTheOtherResponderIsGoneHereAndItsIdStartsAfresh() async throws {
        let pair = try await Self.pair()
        for manager in [pair.a, pair.b] {
            _ = await (try await manager.submitQuery(sessionId: "s", owner: nil, message: "old", runner: ScriptedRunner(),
                                                     defaultSystemPrompt: nil)).result()
        }
        #expect(await pair.b.inMemoryCount == 1)
        try await pair.a.delete(id: "s", owner: nil)
        await #expect(throws: SessionError.notFound(id: "s")) { _ = try await pair.b.session(id: "s", owner: nil) }
        #expect(await pair.b.inMemoryCount == 0, "b dropped its copy")
        let fresh = await (try await pair.b.submitQuery(sessionId: "s", owner: nil, message: "new", runner: ScriptedRunner(),
                                                        defaultSystemPrompt: nil)).result()
        #expect(fresh.failure == nil && fresh.persistenceError == nil, "\(fresh)")
        #expect(try await pair.stores[0].loadSession(id: "s")?.history.map(\.content) == ["new", "echo: new"])
        await pair.close()
    }

    /// Polls `condition` every 100 ms for up to 30 s.
    static func eventually(_ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
