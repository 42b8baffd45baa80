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

    /// Marks `queryId` as running, so a crash before the turn's last commit is recovered as
    /// interrupted; stores `title` as the session's title when it has none yet. Throws
    /// `StoreError.sessionNotFound` when the session is gone.
    func beginQuery(sessionId: String, queryId: String, title: String?) async throws

    /// What a turn changed since the last commit, in one transaction. Throws `sessionNotFound`,
    /// `historyGap`, `seqNotIncreasing`, or a storage failure.
    func commitTurn(_ commit: TurnCommit, to sessionId: String) async throws

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
    /// ones held in memory); returns the deleted ids.
    func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String]

    /// At start-up: closes the queries that were running when the process died with
    /// `final{status:"interrupted"}` and `usage` (seqs above any the dead process may have
    /// streamed, see `EventLogLimits`) and clears their marker.
    func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery]

    /// Whether writes work now, re-probed with a real write at most once per probe interval
    /// (the last result in between): the gate before a turn or a delete, and `/health`.
    func checkHealth() async -> StoreHealth

    /// Finishes queued work and closes the store; later calls throw `StoreError.closed`.
    func close() async
}
