import Foundation

/// Where sessions live between requests and across restarts: history, usage, and the event
/// log that streams resume from. The session layer holds live sessions in memory and calls
/// this at step boundaries; nothing here knows about HTTP.
///
/// Kept behind a protocol so a PostgreSQL store can replace SQLite when sessions must move
/// between hosts (ARCHITECTURE.md, "Scaling past one machine").
///
/// Every write is one transaction: when it returns, it is on disk; when it throws, nothing
/// of it was stored. Failures are `StoreError`; storage failures (`isStorageFailure`) turn
/// `health` degraded until a write or `checkHealth()` succeeds again.
public protocol SnapshotStore: Sendable {
    /// Stores a new session (`messageCount`/`lastSeq` are ignored: it starts empty).
    /// Throws `sessionExists` when the id is taken.
    func createSession(_ record: SessionRecord) async throws

    /// The session and its whole history, or nil when not stored. For lazy rehydration.
    func loadSession(_ id: String) async throws -> StoredSession?

    /// The session without its history, or nil.
    func sessionRecord(_ id: String) async throws -> SessionRecord?

    /// One agent step (or a query's end) in one transaction. Throws `sessionNotFound`,
    /// `historyGap`, `seqNotIncreasing`, or a storage failure.
    func commitStep(_ commit: StepCommit, to sessionId: String) async throws

    /// Events outside a step boundary (e.g. `final`, `usage`), with `lastUsedAt` when given.
    func appendEvents(_ events: [StampedEvent], to sessionId: String, lastUsedAt: Date?) async throws

    /// Marks `queryId` as running, so a crash before `endQuery` is recovered as interrupted.
    func beginQuery(_ queryId: String, in sessionId: String) async throws

    func endQuery(in sessionId: String) async throws

    /// Records use without other changes; false when the session is not stored.
    @discardableResult
    func touchSession(_ id: String, at date: Date) async throws -> Bool

    /// Empties history and usage; keeps the event log and `lastSeq` (seqs never repeat).
    /// False when the session is not stored.
    @discardableResult
    func clearSession(_ id: String, at date: Date) async throws -> Bool

    /// Deletes the session with its history and events; false when it was not stored.
    @discardableResult
    func deleteSession(_ id: String) async throws -> Bool

    /// Sessions of `scope`, oldest first (creation time, then id), `limit` at a time, after `cursor`.
    func listSessions(in scope: SessionScope, limit: Int, after cursor: SessionCursor?) async throws -> SessionPage

    /// Number of stored sessions in `scope`. Cheap: the counts are kept as sessions are
    /// created and deleted, not counted per call.
    func countSessions(in scope: SessionScope) async throws -> Int

    /// Up to `limit` stored events with seq above `seq`, oldest first (stream replay).
    func events(of sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent]

    /// Deletes sessions whose last use is before `cutoff`, except those in `excluding`
    /// (the ones held in memory); returns the deleted ids.
    func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String]

    /// At start-up: closes queries that were running when the process died with
    /// `final{status:"interrupted"}` and `usage` (seqs above any the dead process may have
    /// streamed, see `EventLogLimits`) and clears their marker.
    func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery]

    /// The last known state, without I/O (for `/health` on a hot path).
    var health: StoreHealth { get }

    /// Re-probes with a real write (and a check that the file is still there), at most once
    /// per probe interval; in between it returns the last result. Returns and remembers it.
    func checkHealth() async -> StoreHealth

    /// Finishes queued work and closes the database; later calls throw `StoreError.closed`.
    func close() async
}

extension SnapshotStore {
    public func appendEvents(_ events: [StampedEvent], to sessionId: String) async throws {
        try await appendEvents(events, to: sessionId, lastUsedAt: nil)
    }

    public func expireSessions(idleBefore cutoff: Date) async throws -> [String] {
        try await expireSessions(idleBefore: cutoff, excluding: [])
    }
}
