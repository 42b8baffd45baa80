import Foundation
import Synchronization
import Testing
@testable import AgentCore

/// Cancel, clear and DELETE across two session managers on one PostgreSQL database (two
/// responders in one process), each on the store's real LISTEN/NOTIFY bus.
@Suite struct RemoteQueriesTests {
    /// The bus of a responder whose listener was down when notices of `kinds` from the other
    /// responder were sent: the first `limit` of them never arrive. Everything else is the real
    /// PostgreSQL bus.
    final class ListenerMissingNotices: SessionBus {
        let bus: PostgresNotifier
        let kinds: Set<SessionNotice.Kind>
        let limit: Int
        let missed = Atomic<Int>(0)

        init(_ bus: PostgresNotifier, missing kinds: Set<SessionNotice.Kind>, limit: Int) {
            self.bus = bus
            self.kinds = kinds
            self.limit = limit
        }

        var instance: String { bus.instance }
        func publish(_ notice: SessionNotice) async throws { try await bus.publish(notice) }
        func runningQuery(of sessionId: String) async throws -> String? { try await bus.runningQuery(of: sessionId) }
        func watch(_ sessionId: String, for duration: Duration) async throws { try await bus.watch(sessionId, for: duration) }
        func listen(_ handler: @escaping @Sendable (SessionBusDelivery) -> Void) {
            bus.listen { [self] delivery in
                if case .notice(let notice) = delivery, kinds.contains(notice.kind), notice.instance != instance,
                   missed.load(ordering: .relaxed) < limit {
                    missed.add(1, ordering: .relaxed)
                    return
                }
                handler(delivery)
            }
        }
    }

    /// The responder asked to cancel sends the notice again until the store says the query is
    /// over: a notice lost while the running responder's listener reconnected does not leave
    /// the query running (here for the minute its script would take).
    @Test func aLostCancelNoticeIsSentAgain() async throws {
        let place = try await StorePlace(.postgresql)
        let storeA = try #require(try await place.open(owner: "a", leaseSeconds: 15) as? PostgresSessionStore)
        let storeB = try #require(try await place.open(owner: "b", leaseSeconds: 15) as? PostgresSessionStore)
        let lossy = ListenerMissingNotices(storeA.notifier, missing: [.cancel], limit: 1)
        let a = SessionManager(settings: sessionSettings(), store: storeA, bus: lossy)
        let b = SessionManager(settings: sessionSettings(), store: storeB, bus: storeB.notifier)
        let slow = try await a.submitQuery(sessionId: "s", owner: nil, message: "slow",
                                           runner: ScriptedRunner(pause: .seconds(60)), defaultSystemPrompt: nil)
        #expect(await SharedStoreSessionTests.eventually { (try? await storeB.leaseState(sessionId: "s"))?.runningQueryId != nil },
                "a's query holds the lease")
        #expect(try await b.cancel(id: "s", owner: nil), "the store says a query runs")
        let ended = await SharedStoreSessionTests.eventually {
            (try? await storeB.leaseState(sessionId: "s"))?.runningQueryId == nil
        }
        #expect(ended, "the query stopped once the notice came again")
        #expect(lossy.missed.load(ordering: .relaxed) == 1, "the first notice was the one lost")
        if ended {
            #expect(await slow.result().terminal == .final(content: "echo: ", status: .cancelled))
        }
        for store in [storeA, storeB] as [any SessionStore] { await store.close() }
    }

    /// Clear or DELETE of a session whose query runs on a responder that never hears of it (its
    /// listener stays down) answers 503 with a reason the operator can act on, once the wait is
    /// over, and leaves the session as it was: nothing cleared or deleted under a running query.
    @Test(arguments: [SessionNotice.Kind.clear, .delete])
    func aStopThatNeverLandsIsA503(kind: SessionNotice.Kind) async throws {
        let place = try await StorePlace(.postgresql)
        let storeA = try #require(try await place.open(owner: "a", leaseSeconds: 15) as? PostgresSessionStore)
        let storeB = try #require(try await place.open(owner: "b", leaseSeconds: 15) as? PostgresSessionStore)
        let deaf = ListenerMissingNotices(storeA.notifier, missing: [kind], limit: .max)
        let a = SessionManager(settings: sessionSettings(), store: storeA, bus: deaf)
        let slow = try await a.submitQuery(sessionId: "s", owner: nil, message: "slow",
                                           runner: ScriptedRunner(pause: .seconds(60)), defaultSystemPrompt: nil)
        #expect(await SharedStoreSessionTests.eventually { (try? await storeB.leaseState(sessionId: "s"))?.runningQueryId != nil },
                "a's query holds the lease")
        // b's side, with a short wait so the test does not sit out the default ten seconds.
        let remote = RemoteQueries(bus: storeB.notifier, store: storeB, stopTimeout: .seconds(2),
                                   recheckInterval: .milliseconds(500))
        do {
            _ = try await remote.stopElsewhere("s", kind: kind)
            Issue.record("\(kind): expected 503, the query never stopped")
        } catch let error as SessionError {
            guard case .storeUnavailable(let reason) = error else {
                Issue.record("\(kind): expected storeUnavailable (503), got \(error)")
                throw error
            }
            #expect(reason.contains("did not stop within") && reason.contains("try again"), "\(reason)")
        }
        #expect(deaf.missed.load(ordering: .relaxed) >= 2, "the notice was sent again while waiting")
        #expect(try await storeB.leaseState(sessionId: "s")?.runningQueryId != nil, "a's query still runs")
        #expect(try await storeB.loadSession(id: "s") != nil, "nothing deleted under it")
        #expect(try await a.cancel(id: "s", owner: nil))
        #expect(await slow.result().terminal == .final(content: "echo: ", status: .cancelled))
        for store in [storeA, storeB] as [any SessionStore] { await store.close() }
    }
}
