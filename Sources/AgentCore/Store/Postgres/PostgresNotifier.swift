import Foundation
import Synchronization

/// `SessionBus` on PostgreSQL: LISTEN/NOTIFY on the channel `agent_fcgi`. Publishing runs
/// `pg_notify` on the store's pool; receiving has its own connection and thread
/// (`PostgresListener`), started by the first `listen`. The commits that append events notify
/// by themselves, in their own transaction (`PostgresSessionDatabase.commit`).
///
/// Threading: `Sendable`; `publish` and `runningQuery` hop to a pool thread like every store
/// call; the handler runs on the listener thread.
public final class PostgresNotifier: SessionBus {
    public static let channel = "agent_fcgi"
    public let instance: String
    let pool: PostgresPool
    private let handler = Mutex<(@Sendable (SessionBusDelivery) -> Void)?>(nil)
    private let listener = Mutex<PostgresListener?>(nil)

    static let notify = PostgresStatement("notify", "SELECT pg_notify($1, $2)")
    static let selectRunning = PostgresStatement("running_query", "SELECT running_query_id FROM sessions WHERE id = $1")

    /// Extends, never shortens: another follower may watch longer. The row lock this takes
    /// orders it with every commit to the session (`PostgresSessionDatabase.lockForCommit`).
    static let watch = PostgresStatement("watch", """
        UPDATE sessions SET watched_until = greatest(watched_until, extract(epoch FROM clock_timestamp()) + $2)
        WHERE id = $1
        """)

    init(pool: PostgresPool, instance: String) {
        self.pool = pool
        self.instance = instance
    }

    public func publish(_ notice: SessionNotice) async throws {
        let payload = notice.payload
        try await pool.perform("notify(\(notice.kind.rawValue), \(notice.sessionId))") {
            _ = try $0.query(Self.notify, [.text(Self.channel), .text(payload)], operation: "notify")
        }
        StoreNotifyMetrics.sent(notice.kind)
    }

    public func runningQuery(of sessionId: String) async throws -> String? {
        try await pool.perform("runningQuery(\(sessionId))", idempotent: true) {
            let rows = try $0.query(Self.selectRunning, [.text(sessionId)], operation: "runningQuery(\(sessionId))")
            return rows.count == 1 ? rows.optionalText(0, 0) : nil
        }
    }

    public func watch(_ sessionId: String, for duration: Duration) async throws {
        let seconds = duration.inSeconds
        // Idempotent: running it twice only extends the same watch.
        try await pool.perform("watch(\(sessionId))", idempotent: true) {
            _ = try $0.query(Self.watch, [.text(sessionId), .double(seconds)], operation: "watch(\(sessionId))")
        }
    }

    public func listen(_ handler: @escaping @Sendable (SessionBusDelivery) -> Void) {
        self.handler.withLock { $0 = handler }
        listener.withLock { listener in
            guard listener == nil else { return }
            StoreNotifyMetrics.register()
            listener = PostgresListener(
                settings: pool.settings, channel: Self.channel,
                deliver: { [weak self] payload in self?.received(payload) },
                resumed: { [weak self] in self?.currentHandler?(.resumed) })
        }
    }

    /// Whether the listener has its LISTEN in place now (tests, `/status`).
    public var isListening: Bool {
        listener.withLock { $0 }?.listening.load(ordering: .acquiring) ?? false
    }

    /// Connections the listener made after its first one.
    public var listenerReconnects: Int {
        listener.withLock { $0 }?.reconnects.load(ordering: .relaxed) ?? 0
    }

    /// Stops the listener thread (the store's `close` calls it).
    func stop() async {
        let running = listener.withLock { listener -> PostgresListener? in
            defer { listener = nil }
            return listener
        }
        await running?.stop()
    }

    private var currentHandler: (@Sendable (SessionBusDelivery) -> Void)? {
        handler.withLock { $0 }
    }

    private func received(_ payload: String) {
        // Another build's notice (an unknown kind during a rolling upgrade) is ignored.
        guard let notice = SessionNotice(payload: payload) else { return }
        StoreNotifyMetrics.received(notice.kind)
        currentHandler?(.notice(notice))
    }
}
