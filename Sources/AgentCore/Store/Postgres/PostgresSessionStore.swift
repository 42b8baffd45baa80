import Foundation

/// `SessionStore` on PostgreSQL, for responders that share one store. Every libpq call runs
/// on one of `PostgresPool`'s dedicated threads; JSON encoding and decoding happen in the
/// caller's task.
///
/// Semantics match `SQLiteSessionStore`'s: each write is one transaction (all or nothing), seqs
/// only grow, the event log keeps the newest `maxEventsPerSession`, a title is set once, and a
/// query marked running when its process died is closed by `recoverInterruptedQueries`.
public final class PostgresSessionStore: SessionStore {
    public let settings: Settings
    let pool: PostgresPool
    /// Turn commits, session creations and query starts go through it: those queued together
    /// share one transaction.
    let commits: GroupCommitQueue<PostgresSessionDatabase.QueuedWrite>
    private let healthState = StoreHealthState()
    /// Wake-ups between the responders sharing this database (LISTEN/NOTIFY).
    public let notifier: PostgresNotifier

    /// Connects and brings the schema up to date (under an advisory lock, so responders starting
    /// together migrate once). Throws `StoreError.schemaTooNew` for a database written by a
    /// newer agent-fcgi, or the `PostgresError` that kept it from connecting.
    public convenience init(settings: Settings) async throws {
        try await self.init(settings: settings, migrations: PostgresMigration.all)
    }

    init(settings: Settings, migrations: [PostgresMigration]) async throws {
        self.settings = settings
        pool = PostgresPool(settings: settings.connection, size: settings.poolSize)
        notifier = PostgresNotifier(pool: pool, instance: settings.lease.owner)
        let pool = self.pool
        let maxEvents = max(1, settings.maxEventsPerSession)
        let notifyAs = settings.lease.owner
        commits = GroupCommitQueue(isTurnCommit: { if case .turn = $0 { true } else { false } }) { queue in
            let claim = GroupCommitQueue.Claim(queue)
            return pool.schedule("groupCommit", { connection in
                let waiters = claim.waiters
                guard !waiters.isEmpty else { return [] }
                return try PostgresSessionDatabase.commit(batch: waiters.map(\.item), maxEvents: maxEvents,
                                                          notifyAs: notifyAs, on: connection)
            }, completion: { queue.resolve(claim.waiters, $0) })
        }
        do {
            _ = try await pool.perform("migrate") { try PostgresMigrator(migrations: migrations).migrate($0) }
        } catch {
            await pool.stop()
            throw error
        }
    }

    /// `agent-fcgi --migrate`: applies missing migrations and returns the versions before and after.
    public static func migrate(_ settings: PostgresConnectionSettings) async throws -> (from: Int, to: Int) {
        let pool = PostgresPool(settings: settings, size: 1, name: "postgres-migrate")
        do {
            let versions = try await pool.perform("migrate") { try PostgresMigrator().migrate($0) }
            await pool.stop()
            return versions
        } catch {
            await pool.stop()
            throw error
        }
    }

    public func close() async {
        await notifier.stop()
        await pool.stop()
    }

    // MARK: Sessions

    public func createSession(_ header: SessionHeader) async throws {
        _ = try await queued(.create(try Self.encode(header, start: nil)))
    }

    /// One statement (and in a batch, one row of the batch's creations): the row is inserted
    /// with the query's marker and lease.
    public func createSession(_ header: SessionHeader, beginningQuery queryId: String, title: String?) async throws -> Int64 {
        let start = PostgresSessionDatabase.EncodedHeader.Start(
            queryId: queryId, titleJSON: try title.map { try StoredJSON.encode($0, sessionId: header.id, what: "title") },
            lease: settings.lease)
        return try await queued(.create(try Self.encode(header, start: start)))
    }

    private static func encode(_ header: SessionHeader, start: PostgresSessionDatabase.EncodedHeader.Start?) throws
        -> PostgresSessionDatabase.EncodedHeader {
        PostgresSessionDatabase.EncodedHeader(
            id: header.id, owner: header.owner, createdAt: header.createdAt.timeIntervalSince1970,
            systemPromptJSON: try header.systemPrompt.map { try StoredJSON.encode($0, sessionId: header.id, what: "system prompt") },
            usageJSON: try StoredJSON.encode(SessionUsage(), sessionId: header.id, what: "usage"), model: header.model,
            start: start)
    }

    public func loadSession(id: String) async throws -> StoredSession? {
        guard let (row, messages) = try await read("loadSession(\(id))", { try PostgresSessionDatabase.load(id, on: $0) })
        else { return nil }
        let history = try StoredJSON.history(messages, sessionId: id)
        return StoredSession(summary: try row.summary(), history: history)
    }

    @discardableResult
    public func deleteSession(id: String) async throws -> Bool {
        try await write("deleteSession(\(id))") { try PostgresSessionDatabase.delete(id, on: $0) }
    }

    public func listSessions(in scope: SessionScope, limit: Int, after cursor: String?) async throws -> SessionListPage {
        let position = try SessionCursor.parse(cursor)
        let (rows, hasMore) = try await read("listSessions") { [position] in
            try PostgresSessionDatabase.list(in: scope, limit: limit, after: position, on: $0)
        }
        let summaries = try rows.map { try $0.summary() }
        return SessionListPage(sessions: summaries, hasMore: hasMore)
    }

    public func countSessions(in scope: SessionScope) async throws -> Int {
        try await read("countSessions") { try PostgresSessionDatabase.count(in: scope, on: $0) }
    }

    public func sessionsWithApprovalsDue(at now: Date, limit: Int) async throws -> [String] {
        try await read("sessionsWithApprovalsDue") {
            try PostgresSessionDatabase.approvalsDue(at: now, limit: limit, on: $0)
        }
    }

    public func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String] {
        let excluded = PostgresSessionDatabase.stringsJSON(excluding.sorted())
        return try await write("expireSessions") {
            try PostgresSessionDatabase.expire(idleBefore: cutoff, excludingJSON: excluded, on: $0)
        }
    }

    // MARK: Turns, events, queries

    @discardableResult
    public func beginQuery(sessionId: String, queryId: String, title: String?) async throws -> Int64 {
        let titleJSON = try title.map { try StoredJSON.encode($0, sessionId: sessionId, what: "title") }
        let lease = settings.lease, maxEvents = max(1, settings.maxEventsPerSession), now = Date()
        return try await queued(.begin(PostgresSessionDatabase.QueuedBegin(
            sessionId: sessionId, queryId: queryId, titleJSON: titleJSON, lease: lease, now: now, maxEvents: maxEvents)))
    }

    public func leaseState(sessionId: String) async throws -> SessionLeaseState? {
        try await read("leaseState(\(sessionId))") { try PostgresSessionDatabase.leaseState(of: sessionId, on: $0) }
    }

    public func renewLeases(_ running: [String: String]) async throws -> Set<String> {
        guard !running.isEmpty else { return [] }
        let lease = settings.lease
        return try await write("renewLeases", provesWrites: { $0.count < running.count }) { try PostgresSessionDatabase.renew(running, lease: lease, on: $0) }
    }

    public func sweepExpiredLeases(now: Date) async throws -> [RecoveredQuery] {
        let maxEvents = max(1, settings.maxEventsPerSession), notifyAs = settings.lease.owner
        // A sweep that closes nothing wrote nothing: it proves nothing about writes.
        return try await write("sweepExpiredLeases", provesWrites: { !$0.isEmpty }) {
            try PostgresSessionDatabase.closeDead(now: now, owner: nil, maxEvents: maxEvents, notifyAs: notifyAs, on: $0)
        }
    }

    public var lease: LeaseSettings { settings.lease }

    public var isShared: Bool { true }

    public var backendName: String { "postgresql" }

    public var poolUsage: (size: Int, inUse: Int)? { (pool.size, pool.inUse) }

    /// Round trips to the database since the store opened, every operation's (the listener's
    /// connection apart): how many times a query waited for the server, whatever its latency.
    public var roundTrips: Int { pool.roundTrips }

    /// Written together with the other sessions' commits queued at the same moment (group
    /// commit, `GroupCommitQueue`); the outcome is this commit's own.
    @discardableResult
    public func commitTurn(_ commit: TurnCommit, to sessionId: String) async throws -> Int64 {
        let encoded = try Self.encode(commit, sessionId: sessionId, lease: settings.lease)
        return try await queued(.turn(PostgresSessionDatabase.QueuedCommit(sessionId: sessionId, commit: encoded)))
    }

    /// A write through the group commit queue; its own outcome, health kept in step with it.
    private func queued(_ item: PostgresSessionDatabase.QueuedWrite) async throws -> Int64 {
        do {
            let version = try await commits.commit(item)
            healthState.recordSuccess()
            return version
        } catch var error as PostgresError {
            // A failure of the whole batch names the batch; each caller is told of its own write.
            if error.operation.hasPrefix("groupCommit") {
                error.operation = item.operation + error.operation.dropFirst("groupCommit".count)
            }
            recordFailure(error)
            throw error
        } catch {
            recordFailure(error)
            throw error
        }
    }

    /// How turn commits have been grouped into transactions since the store opened.
    public var groupCommitStatistics: GroupCommitStatistics {
        commits.statistics
    }

    public func events(sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read("events(\(sessionId), after: \(seq))") {
            try PostgresSessionDatabase.events(of: sessionId, after: seq, limit: limit, on: $0)
        }
    }

    /// Only dead queries: those whose lease expired (or that have none) and this owner's own
    /// from a previous life (a fixed `server.instance_id`); other responders' live queries go on.
    public func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery] {
        let maxEvents = max(1, settings.maxEventsPerSession), owner = settings.lease.owner
        return try await write("recoverInterruptedQueries") {
            try PostgresSessionDatabase.closeDead(now: now, owner: owner, maxEvents: maxEvents, notifyAs: owner, on: $0)
        }
    }

    // MARK: Health

    /// The last known state, without I/O.
    public var health: StoreHealth {
        healthState.current
    }

    public func checkHealth() async -> StoreHealth {
        guard healthState.claimProbe(interval: settings.healthProbeInterval) else { return health }
        let now = Date()
        // A real write: a server that answers but cannot write (a standby, a full disk) shows
        // only then. `write` records the outcome; anything but a storage failure is no reason
        // to refuse queries.
        _ = try? await write("health probe") { try PostgresSessionDatabase.probe(at: now, on: $0) }
        return health
    }

    // MARK: Plumbing

    /// Reads: a storage failure degrades health (the database is gone); success proves
    /// nothing about writes, so it does not restore it.
    private func read<T: Sendable>(_ operation: String, _ work: @escaping @Sendable (PostgresConnection) throws -> T)
        async throws -> T {
        do {
            return try await pool.perform(operation, idempotent: true, work)
        } catch {
            recordFailure(error)
            throw error
        }
    }

    /// Writes keep `health` in step with the outcome: a storage failure degrades, success restores.
    private func write<T: Sendable>(_ operation: String, provesWrites: (T) -> Bool = { _ in true },
                                    _ work: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            let result = try await pool.perform(operation, work)
            if provesWrites(result) { healthState.recordSuccess() }
            return result
        } catch {
            recordFailure(error)
            throw error
        }
    }

    private func recordFailure(_ error: any Error) {
        guard let error = error as? PostgresError, error.isStorageFailure else { return }
        healthState.recordFailure(error.description)
    }

    private static func encode(_ commit: TurnCommit, sessionId: String,
                               lease: LeaseSettings) throws -> PostgresSessionDatabase.EncodedCommit {
        let encoder = JSONEncoder()
        let (from, messages): (Int?, [ChatMessage]) = switch commit.history {
        case .unchanged: (nil, [])
        case .append(let from, let messages): (from, messages)
        case .replace(let messages): (0, messages)
        }
        let messageJSON = try messages.map { try StoredJSON.encode($0, sessionId: sessionId, what: "message", encoder: encoder) }
        return PostgresSessionDatabase.EncodedCommit(
            historyFrom: from, messagesJSON: PostgresSessionDatabase.stringsJSON(messageJSON),
            messageCount: messages.count, events: commit.events.map(StoredEvent.init),
            usageJSON: try commit.usage.map { try StoredJSON.encode($0, sessionId: sessionId, what: "usage", encoder: encoder) },
            clearedUsageJSON: try commit.clearedUsage.map {
                try StoredJSON.encode($0, sessionId: sessionId, what: "cleared usage", encoder: encoder)
            },
            lastUsedAt: commit.lastUsedAt?.timeIntervalSince1970, query: commit.query,
            pendingApprovalsJSON: try commit.pendingApprovals.map { try StoredJSON.encodePendingApprovals($0, sessionId: sessionId) },
            approvalDeadline: commit.approvalDeadline,
            fence: LeaseFence(owner: lease.owner, queryId: commit.queryId, baseVersion: commit.baseVersion, query: commit.query),
            leaseSeconds: lease.duration.inSeconds)
    }

}
