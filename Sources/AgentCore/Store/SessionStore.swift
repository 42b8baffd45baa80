import Foundation

/// Where sessions live between requests and across restarts: their header, history, usage, and
/// the event log that streams resume from. The session layer holds live sessions in memory and
/// calls this when a query starts, at each step's end and at a turn's end; nothing here knows
/// about HTTP. `SQLiteSessionStore` implements it; a PostgreSQL store, for sessions that must
/// move between hosts, implements the same requirements (docs/ARCHITECTURE.md, "Storage").
///
/// Every write is one transaction: when it returns, it is on disk; when it throws, nothing of it
/// was stored. Failures are `StoreError`; a storage failure (`isStorageFailure`) turns
/// `checkHealth()` degraded until a write succeeds again. Implementations are `Sendable` and
/// never block the caller's thread: callers are tasks on the cooperative pool.
public protocol SessionStore: Sendable {
    /// Stores a new, empty session. Throws `StoreError.sessionExists` when the id is taken.
    func createSession(_ header: SessionHeader) async throws

    /// The session with its whole history, or nil when it is not stored (lazy loading).
    func loadSession(id: String) async throws -> StoredSession?

    /// Marks `queryId` as running and takes the session's lease for this responder
    /// (`LeaseSettings`), atomically, only when no other responder's lease is live: a query whose
    /// lease expired (its responder died) or one of this responder's own left marked by a failed
    /// end is first closed as the sweeper does. Stores `title` when the session has none yet.
    /// Returns the session's version as it was just before this call's own bump: a copy in memory
    /// holding another version is stale and must be reloaded. Throws `StoreError.leaseHeld` when
    /// another responder's query runs, `sessionNotFound` when the session is gone.
    @discardableResult
    func beginQuery(sessionId: String, queryId: String, title: String?) async throws -> Int64

    /// `createSession` and `beginQuery` at once, for a session whose id was just generated here
    /// for this query (nobody else can know it yet): the new row already holds the query's
    /// lease. Returns the version before the start, as `beginQuery` does. A store may write
    /// both in one transaction; the default writes them one after the other.
    func createSession(_ header: SessionHeader, beginningQuery queryId: String, title: String?) async throws -> Int64

    /// What a turn changed since the last commit, in one transaction; returns the session's new
    /// version. Throws `sessionNotFound`, `historyGap`, `seqNotIncreasing`, `leaseLost` (fenced:
    /// see `TurnCommit.queryId` and `baseVersion`), or a storage failure. A commit that clears
    /// the running marker (`.finished`) releases the lease.
    @discardableResult
    func commitTurn(_ commit: TurnCommit, to sessionId: String) async throws -> Int64

    /// The session's version and lease in one indexed read, or nil when it is not stored.
    func leaseState(sessionId: String) async throws -> SessionLeaseState?

    /// Extends the leases of this responder's running queries (session id → query id) by the
    /// lease duration, in one statement; returns the session ids whose lease is no longer this
    /// query's (swept or taken over): those queries must stop, their commits would be refused.
    func renewLeases(_ running: [String: String]) async throws -> Set<String>

    /// Closes the queries whose lease expired (their responder died or lost the store), as
    /// `recoverInterruptedQueries` does. Safe to run from every responder at once: each session
    /// is closed by exactly one of them.
    func sweepExpiredLeases(now: Date) async throws -> [RecoveredQuery]

    /// This responder's identity and lease duration.
    var lease: LeaseSettings { get }

    /// `sqlite` or `postgresql`, for `/status`.
    var backendName: String { get }

    /// Whether other processes may write the same sessions (PostgreSQL). When false (SQLite holds
    /// its file exclusively), a copy in memory can never go stale and is not compared.
    var isShared: Bool { get }

    /// Deletes the session with its history and events; false when it was not stored.
    @discardableResult
    func deleteSession(id: String) async throws -> Bool

    /// Sessions of `scope`, oldest first (creation time, then id), `limit` at a time, after
    /// `cursor` (a previous page's `nextCursor`). Throws `SessionError.invalidCursor` for a
    /// cursor this store did not hand out.
    func listSessions(in scope: SessionScope, limit: Int, after cursor: String?) async throws -> SessionListPage

    /// Number of stored sessions in `scope`; cheap (kept as sessions come and go, not counted per call).
    func countSessions(in scope: SessionScope) async throws -> Int

    /// Up to `limit` stored events with seq above `seq`, oldest first (stream replay).
    func events(sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent]

    /// Deletes sessions whose last use is before `cutoff`, except those in `excluding` (the
    /// ones held in memory) and those a query is marked running on; returns the deleted ids.
    func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String]

    /// Up to `limit` sessions whose paused turn has a call waiting past its deadline at `now`
    /// (`PendingApproval.expiresAt`), earliest deadline first: the cleanup loop times them out
    /// whether or not a responder holds them in memory. An indexed read of the due rows only.
    func sessionsWithApprovalsDue(at now: Date, limit: Int) async throws -> [String]

    /// At start-up: closes the queries that were running when the process died (on a shared
    /// store: those whose lease expired or is this responder's own `owner`) with
    /// `final{status:"interrupted"}` and `usage` (seqs above any the dead process may have
    /// streamed, see `EventLogLimits`) and clears their marker.
    func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery]

    /// Whether writes work now, re-probed with a real write at most once per probe interval
    /// (the last result in between): the gate before a turn or a delete, and `/health`.
    func checkHealth() async -> StoreHealth

    /// Finishes queued work and closes the store; later calls throw `StoreError.closed`.
    func close() async

    /// Connections to the database and how many are busy now (nil: not a pooled store).
    var poolUsage: (size: Int, inUse: Int)? { get }
}

extension SessionStore {
    public var poolUsage: (size: Int, inUse: Int)? { nil }

    public func createSession(_ header: SessionHeader, beginningQuery queryId: String, title: String?) async throws -> Int64 {
        try await createSession(header)
        return try await beginQuery(sessionId: header.id, queryId: queryId, title: title)
    }
}
