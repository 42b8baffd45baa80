import AgentTestSupport
import Foundation
import Synchronization
import Testing
@testable import AgentCore

/// The PostgreSQL `SessionBus` on a real server: two stores on one database stand for two
/// responders. Notices published by one reach the other's listener; a commit that appends
/// events to a session another responder watches notifies by itself with its last seq (and
/// sends nothing while nobody watches); a listener whose backend is terminated
/// reconnects, says so (`resumed`) and receives again.
@Suite struct PostgresListenerTests {
    final class Inbox: Sendable {
        private let received = Mutex<[SessionBusDelivery]>([])
        func append(_ delivery: SessionBusDelivery) { received.withLock { $0.append(delivery) } }
        var all: [SessionBusDelivery] { received.withLock { $0 } }

        /// Waits (up to `timeout` seconds) until a delivery satisfies `match`.
        func wait(timeout: Double = 10, for match: (SessionBusDelivery) -> Bool) async -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if all.contains(where: match) { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return false
        }
    }

    static func waitUntil(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func noticesAndCommitsReachAnotherResponderAndATerminatedListenerReconnects() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase()
        let connection = PostgresConnectionSettings(url: url)
        let sender = try await PostgresSessionStore(settings: .init(connection: connection, poolSize: 1, lease: LeaseSettings(owner: "responder-a")))
        let receiver = try await PostgresSessionStore(settings: .init(connection: connection, poolSize: 1, lease: LeaseSettings(owner: "responder-b")))
        let inbox = Inbox()
        do {
            receiver.notifier.listen { inbox.append($0) }
            #expect(await Self.waitUntil { receiver.notifier.isListening }, "the listener LISTENs")

            // A published notice arrives whole.
            let cancel = SessionNotice(kind: .cancel, sessionId: "s-1", queryId: "q-1", instance: "responder-a")
            try await sender.notifier.publish(cancel)
            #expect(await inbox.wait { $0 == .notice(cancel) }, "\(inbox.all)")

            // A commit that appends events to a session nobody watches sends nothing; once another
            // responder watches it, each such commit notifies in its own transaction, with its last seq.
            try await sender.createSession(Contract.header("s-2"))
            try await sender.beginQuery(sessionId: "s-2", queryId: "q-2", title: nil)
            #expect(try await receiver.notifier.runningQuery(of: "s-2") == "q-2", "the other responder sees the marker")
            let events = (1...5).map {
                StampedEvent(event: .textDelta(delta: "t\($0)"), timestamp: Contract.start, sessionId: "s-2", queryId: "q-2", seq: $0)
            }
            try await sender.commitTurn(Contract.commit(events: Array(events[0..<3]), running: "q-2"), to: "s-2")
            try await receiver.notifier.watch("s-2", for: .seconds(30))
            try await sender.commitTurn(Contract.commit(events: Array(events[3...]), running: "q-2"), to: "s-2")
            let committed = SessionNotice(kind: .events, sessionId: "s-2", queryId: "q-2", seq: 5, instance: "responder-a")
            #expect(await inbox.wait { $0 == .notice(committed) }, "\(inbox.all)")
            // Notices arrive in commit order: the unwatched commit's would be here by now.
            #expect(!inbox.all.contains { if case .notice(let notice) = $0 { notice.seq == 3 } else { false } },
                    "the commit made before the watch sent no notice: \(inbox.all)")
            #expect(try await receiver.notifier.runningQuery(of: "s-2") == "q-2")
            try await sender.commitTurn(Contract.commit(running: nil), to: "s-2")
            #expect(try await receiver.notifier.runningQuery(of: "s-2") == nil)
            #expect(try await receiver.notifier.runningQuery(of: "no-such-session") == nil)

            // The listener's backend is killed: it reconnects, LISTENs again and says notices may be lost.
            let resumedBefore = inbox.all.filter { $0 == .resumed }.count
            try await Self.terminateListeners(url)
            #expect(await Self.waitUntil { receiver.notifier.listenerReconnects == 1 && receiver.notifier.isListening },
                    "reconnects: \(receiver.notifier.listenerReconnects)")
            #expect(await Self.waitUntil { inbox.all.filter { $0 == .resumed }.count > resumedBefore })
            let after = SessionNotice(kind: .delete, sessionId: "s-3", queryId: "q-3", instance: "responder-a")
            try await sender.notifier.publish(after)
            #expect(await inbox.wait { $0 == .notice(after) }, "delivered after the reconnect: \(inbox.all)")
        } catch {
            await sender.close()
            await receiver.close()
            throw error
        }
        await sender.close()
        await receiver.close()
        #expect(!receiver.notifier.isListening, "close stops the listener")
    }

    /// A dead query closed by another responder's sweep notifies its session, watched or not:
    /// a follower elsewhere sees the interrupted end at once, not at its next look at the store.
    @Test func aSweptQueryNotifiesItsSession() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase()
        let connection = PostgresConnectionSettings(url: url)
        let dead = try await PostgresSessionStore(settings: .init(connection: connection, poolSize: 1,
                                                                  lease: LeaseSettings(owner: "responder-a", duration: .seconds(1))))
        let sweeper = try await PostgresSessionStore(settings: .init(connection: connection, poolSize: 1,
                                                                     lease: LeaseSettings(owner: "responder-b")))
        let inbox = Inbox()
        dead.notifier.listen { inbox.append($0) }
        #expect(await Self.waitUntil { dead.notifier.isListening })
        try await dead.createSession(Contract.header("s-dead"))
        try await dead.beginQuery(sessionId: "s-dead", queryId: "q-dead", title: nil)
        // The lease is never renewed: once it has expired, the other responder's sweep closes it.
        var closed: [RecoveredQuery] = []
        for _ in 0..<100 where closed.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            closed = try await sweeper.sweepExpiredLeases(now: Date())
        }
        #expect(closed.map(\.queryId) == ["q-dead"])
        let noticed = await inbox.wait { delivery in
            guard case .notice(let notice) = delivery else { return false }
            return notice.kind == .events && notice.sessionId == "s-dead" && notice.queryId == "q-dead"
                && notice.instance == "responder-b"
        }
        #expect(noticed, "the sweep's close sent an events notice: \(inbox.all)")
        await dead.close()
        await sweeper.close()
    }

    @Test func payloadsRoundTripAndUnknownOnesAreIgnored() {
        let notice = SessionNotice(kind: .events, sessionId: "a.b:c-1", queryId: "q-\"x\"", seq: 42, instance: "host:12")
        #expect(SessionNotice(payload: notice.payload) == notice)
        #expect(notice.payload.utf8.count < 8000)
        let longest = SessionNotice(kind: .clear, sessionId: String(repeating: "s", count: 128),
                                    queryId: "q-" + UUID().uuidString, seq: .max, instance: String(repeating: "h", count: 300))
        #expect(longest.payload.utf8.count < 1000, "far below PostgreSQL's 8,000-byte limit")
        #expect(SessionNotice(payload: #"{"kind":"rebalance","session_id":"s","instance":"i"}"#) == nil)
        #expect(SessionNotice(payload: "not json") == nil)
    }

    /// pg_terminate_backend on every listener connection of `url`'s database.
    static func terminateListeners(_ url: String) async throws {
        let pool = PostgresPool(settings: PostgresConnectionSettings(url: url), size: 1, name: "test-postgres")
        do {
            try await pool.perform("terminate") {
                try $0.execute("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'agent-fcgi-listen' AND datname = current_database()
                    """, operation: "terminate listeners")
            }
            await pool.stop()
        } catch {
            await pool.stop()
            throw error
        }
    }
}
