import Foundation
import Synchronization
import Testing
@testable import AgentCore

/// Cancel across two session managers on one PostgreSQL database (two responders in one
/// process), each on the store's real LISTEN/NOTIFY bus.
@Suite struct RemoteCancelTests {
    /// The bus of a responder whose listener was reconnecting when the first cancel notice for it
    /// was sent: that one notice never arrives. Everything else is the real PostgreSQL bus.
    final class ListenerMissingOneCancel: SessionBus {
        let bus: PostgresNotifier
        let missed = Atomic<Int>(0)

        init(_ bus: PostgresNotifier) { self.bus = bus }

        var instance: String { bus.instance }
        func publish(_ notice: SessionNotice) async throws { try await bus.publish(notice) }
        func runningQuery(of sessionId: String) async throws -> String? { try await bus.runningQuery(of: sessionId) }
        func listen(_ handler: @escaping @Sendable (SessionBusDelivery) -> Void) {
            bus.listen { [self] delivery in
                if case .notice(let notice) = delivery, notice.kind == .cancel, notice.instance != instance,
                   missed.compareExchange(expected: 0, desired: 1, ordering: .relaxed).exchanged {
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
        let lossy = ListenerMissingOneCancel(storeA.notifier)
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
}
