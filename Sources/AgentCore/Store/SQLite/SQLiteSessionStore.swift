// The SQLite store talks to libsqlite3 directly through the CSQLite shim rather than GRDB:
// the project keeps its dependency set small, and the store needs only a thin wrapper
// (prepared statements, transactions, typed errors) around a connection it confines to one
// thread anyway.
import Foundation

/// `SessionStore` on one SQLite file in WAL mode. Every SQLite call runs on one dedicated
/// thread (`SQLiteThread`); callers await. JSON encoding and decoding happen in the caller's
/// task, so the SQLite thread does only SQLite work.
public final class SQLiteSessionStore: SessionStore {
    public let settings: Settings
    let thread: SQLiteThread<SnapshotDatabase>
    /// Turn commits go through it: those queued together share one transaction.
    let commits: GroupCommitQueue<SnapshotDatabase.QueuedWrite>
    private let integrity = SQLiteIntegrityCheck()
    private let healthState = StoreHealthState()

    /// Opens (creating when missing) and migrates, then starts `PRAGMA quick_check` in the
    /// background (`integrityCheck`). Does not read sessions: opening costs the same for an
    /// empty store and a huge one. Throws `StoreError.corrupt` (damage in the header or schema),
    /// `.schemaTooNew` or a storage failure.
    public convenience init(settings: Settings) async throws {
        try await self.init(settings: settings, migrations: SchemaMigration.all)
    }

    init(settings: Settings, migrations: [SchemaMigration]) async throws {
        self.settings = settings
        let path = settings.path
        let busyMilliseconds = Int(settings.busyTimeout.inMilliseconds)
        let maxEvents = settings.maxEventsPerSession
        thread = try await SQLiteThread(name: "sqlite") {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            return try SnapshotDatabase(path: path, busyTimeoutMilliseconds: busyMilliseconds,
                                        maxEventsPerSession: maxEvents, migrations: migrations)
        }
        let thread = self.thread
        commits = GroupCommitQueue(isTurnCommit: \.isTurnCommit) { queue in
            thread.submit { database in
                let waiters = queue.take()
                guard !waiters.isEmpty else { return }
                queue.resolve(waiters, Result {
                    try database.checkFilePresent()
                    return database.commit(batch: waiters.map(\.item))
                })
            }
        }
        integrity.start(path: path) { _ in _ = thread.submit { $0.resumeCheckpoints() } }
        if try await thread.perform({ $0.connection.isReadOnly }) {
            recordFailure(.readOnly(path: path))
        }
    }

    public func close() async {
        await thread.stop { [integrity] database in
            // Before the close checkpoints into the file the check may still be reading.
            integrity.stop()
            database.close()
        }
    }

    // MARK: Sessions

    public func createSession(_ header: SessionHeader) async throws {
        let emptyJSON = try StoredJSON.encode(SessionUsage(), sessionId: header.id, what: "usage")
        _ = try await queued(.create(header, emptyUsageJSON: emptyJSON), operation: "createSession(\(header.id))")
    }

    public func loadSession(id: String) async throws -> StoredSession? {
        guard let (row, messages) = try await read("loadSession(\(id))", { try $0.loadSession(id) }) else { return nil }
        let history = try StoredJSON.history(messages, sessionId: id)
        return StoredSession(summary: try Self.summary(decoding: row), history: history)
    }

    @discardableResult
    public func deleteSession(id: String) async throws -> Bool {
        try await write("deleteSession(\(id))") { try $0.deleteSession(id) }
    }

    public func listSessions(in scope: SessionScope, limit: Int, after cursor: String?) async throws -> SessionListPage {
        let position = try SessionCursor.parse(cursor)
        let (rows, hasMore) = try await read("listSessions") { [position] in
            try $0.listSessions(in: scope, limit: limit, after: position)
        }
        let summaries = try rows.map(Self.summary(decoding:))
        return SessionListPage(sessions: summaries, hasMore: hasMore)
    }

    public func countSessions(in scope: SessionScope) async throws -> Int {
        try await read("countSessions") { try $0.countSessions(in: scope) }
    }

    public func sessionsWithApprovalsDue(at now: Date, limit: Int) async throws -> [String] {
        try await read("sessionsWithApprovalsDue") { try $0.sessionsWithApprovalsDue(at: now, limit: limit) }
    }

    public func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String] {
        try await write("expireSessions") { try $0.expireSessions(idleBefore: cutoff, excluding: excluding) }
    }

    // MARK: Turns, events, queries

    @discardableResult
    public func beginQuery(sessionId: String, queryId: String, title: String?) async throws -> Int64 {
        try await queued(.begin(sessionId: sessionId, queryId: queryId, title: title, lease: settings.lease, now: Date()),
                         operation: "beginQuery(\(sessionId), \(queryId))")
    }

    public func leaseState(sessionId: String) async throws -> SessionLeaseState? {
        try await read("leaseState(\(sessionId))") { try $0.leaseState(of: sessionId, now: Date()) }
    }

    public func renewLeases(_ running: [String: String]) async throws -> Set<String> {
        guard !running.isEmpty else { return [] }
        let lease = settings.lease
        return try await write("renewLeases", provesWrites: { $0.count < running.count }) { try $0.renewLeases(running, lease: lease, now: Date()) }
    }

    /// A sweep that closes nothing wrote nothing: it proves nothing about writes (`provesWrites`).
    public func sweepExpiredLeases(now: Date) async throws -> [RecoveredQuery] {
        try await write("sweepExpiredLeases", provesWrites: { !$0.isEmpty }) {
            try $0.closeRunningQueries(now: now, onlyExpired: true)
        }
    }

    public var lease: LeaseSettings { settings.lease }

    public var isShared: Bool { false }

    public var backendName: String { "sqlite" }

    /// Written together with the other sessions' commits queued at the same moment (group
    /// commit, `GroupCommitQueue`); the outcome is this commit's own.
    @discardableResult
    public func commitTurn(_ commit: TurnCommit, to sessionId: String) async throws -> Int64 {
        let encoder = JSONEncoder()
        let (from, messages): (Int?, [ChatMessage]) = switch commit.history {
        case .unchanged: (nil, [])
        case .append(let from, let messages): (from, messages)
        case .replace(let messages): (0, messages)
        }
        let encoded = SnapshotDatabase.EncodedCommit(
            historyFrom: from,
            messages: try messages.map { try StoredJSON.encode($0, sessionId: sessionId, what: "message", encoder: encoder) },
            events: commit.events.map(StoredEvent.init),
            usageJSON: try commit.usage.map { try StoredJSON.encode($0, sessionId: sessionId, what: "usage", encoder: encoder) },
            clearedUsageJSON: try commit.clearedUsage.map {
                try StoredJSON.encode($0, sessionId: sessionId, what: "cleared usage", encoder: encoder)
            },
            lastUsedAt: commit.lastUsedAt, query: commit.query,
            pendingApprovalsJSON: try commit.pendingApprovals.map { try StoredJSON.encodePendingApprovals($0, sessionId: sessionId) },
            approvalDeadline: commit.approvalDeadline,
            fence: LeaseFence(owner: settings.lease.owner, queryId: commit.queryId, baseVersion: commit.baseVersion,
                              query: commit.query),
            lease: settings.lease)
        return try await queued(.turn(SnapshotDatabase.QueuedCommit(sessionId: sessionId, commit: encoded)),
                                operation: "commitTurn(\(sessionId))")
    }

    /// A write through the group commit (with whatever else is queued at that moment), `health`
    /// kept in step with its outcome as `write` does.
    private func queued(_ item: SnapshotDatabase.QueuedWrite, operation: String) async throws -> Int64 {
        try await keepingHealth(operation) { try await commits.commit(item) }
    }

    public func events(sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read("events(\(sessionId), after: \(seq))") { try $0.events(of: sessionId, after: seq, limit: limit) }
    }

    public func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery] {
        // One process holds the file: every query still marked running is a dead one.
        try await write("recoverInterruptedQueries") { try $0.closeRunningQueries(now: now, onlyExpired: false) }
    }

    /// How turn commits have been grouped into transactions since the store opened.
    public var groupCommitStatistics: GroupCommitStatistics {
        commits.statistics
    }

    // MARK: Health

    /// The last known state, without I/O. A file the integrity check found damaged stays
    /// degraded: writing more into it risks spreading the damage.
    public var health: StoreHealth {
        if let problem = integrityProblem { return .degraded(reason: problem) }
        return healthState.current
    }

    /// The background `PRAGMA quick_check` started at open: running, passed, or what it found.
    public var integrityCheck: IntegrityCheckReport {
        integrity.report
    }

    private var integrityProblem: String? {
        let report = integrity.report
        guard report.state == .failed else { return nil }
        return (report.problem ?? "the integrity check failed") + "; the store takes no more writes"
    }

    public func checkHealth() async -> StoreHealth {
        if let problem = integrityProblem { return .degraded(reason: problem) }
        guard healthState.claimProbe(interval: settings.healthProbeInterval) else { return health }
        let degraded = health != .healthy
        do {
            // A real write, healthy or not: a file made read-only while open shows only when
            // something is written. A degraded store must prove a growing write works before
            // it is trusted again. Throttled above: at most one small transaction per interval.
            try await thread.perform { try $0.probeWrite(growing: degraded) }
            healthState.recordSuccess()
        } catch {
            recordFailure(Self.storeError(error, operation: "health probe"))
        }
        return health
    }

    // MARK: Plumbing

    func read<T: Sendable>(_ operation: String, _ work: @escaping @Sendable (SnapshotDatabase) throws -> T)
        async throws -> T {
        do {
            return try await thread.perform(work)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Runs a write, refusing it when the file is gone, and keeps `health` in step with the
    /// outcome: a storage failure degrades, any success restores.
    func write<T: Sendable>(_ operation: String, provesWrites: (T) -> Bool = { _ in true },
                            _ work: @escaping @Sendable (SnapshotDatabase) throws -> T) async throws -> T {
        try await keepingHealth(operation, provesWrites: provesWrites) {
            try await thread.perform { database in
                try database.checkFilePresent()
                return try work(database)
            }
        }
    }

    /// A write's outcome kept in `health`: a storage failure degrades, a success that
    /// `provesWrites` restores; the error comes back as a `StoreError` naming `operation`.
    private func keepingHealth<T: Sendable>(_ operation: String, provesWrites: (T) -> Bool = { _ in true },
                                            _ write: () async throws -> T) async throws -> T {
        do {
            let result = try await write()
            if provesWrites(result) { healthState.recordSuccess() }
            return result
        } catch {
            let storeError = Self.storeError(error, operation: operation)
            recordFailure(storeError)
            throw storeError
        }
    }

    private func recordFailure(_ error: StoreError) {
        guard error.isStorageFailure else { return }
        healthState.recordFailure(error.description)
    }

    private static func storeError(_ error: any Error, operation: String) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let error as SQLiteError: return StoreError(error, operation: operation)
        default: return .sqlite(operation: operation, code: -1, message: "\(error)", sql: nil, storageFailure: false)
        }
    }


    /// A row's usages decoded, in the caller's task (see the type's comment).
    static func summary(decoding row: SessionRow) throws -> SessionSummary {
        let usage = try StoredJSON.decode(SessionUsage.self, row.usageJSON, sessionId: row.id, what: "usage")
        let cleared = try row.clearedUsageJSON.map { try StoredJSON.decode(SessionUsage.self, $0, sessionId: row.id, what: "cleared usage") }
        return SessionSummary(id: row.id, owner: row.owner, createdAt: Date(timeIntervalSince1970: row.createdAt),
                              lastUsedAt: Date(timeIntervalSince1970: row.lastUsedAt), systemPrompt: row.systemPrompt,
                              usage: usage, clearedUsage: cleared ?? SessionUsage(), title: row.title,
                              messageCount: row.messageCount, lastSeq: row.lastSeq, runningQueryId: row.runningQueryId,
                              model: row.model,
                              pendingApprovals: try StoredJSON.pendingApprovals(row.pendingApprovalsJSON, sessionId: row.id),
                              version: row.version)
    }

}
