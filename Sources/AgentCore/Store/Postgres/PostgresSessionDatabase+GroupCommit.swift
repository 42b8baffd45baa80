import Foundation

/// Group commit: the turn commits queued at one moment, in one transaction (`GroupCommitQueue`).
extension PostgresSessionDatabase {
    /// One queued turn commit: the session it goes to and the commit, encoded.
    struct QueuedCommit: Sendable {
        var sessionId: String
        var commit: EncodedCommit
    }

    /// Every row of the batch locked in one statement, in id order, so two batches on two pool
    /// threads always lock in the same order and cannot deadlock each other.
    static let lockForGroupCommit = S("group_commit_lock", """
        SELECT id, message_count, last_seq, event_count, version, running_query_id, lease_owner,
            coalesce(watched_until >= extract(epoch FROM clock_timestamp()), false)
        FROM sessions WHERE id IN (SELECT json_array_elements_text($1::json)) ORDER BY id FOR UPDATE
        """)

    /// Writes `batch` in ONE transaction and three round trips however many commits it holds:
    /// BEGIN and lock every row; then every commit's statements (with their NOTIFYs, as a lone
    /// commit sends them) and COMMIT, pipelined. Returns one result per commit, in order: the
    /// session's new version. A commit that does not fit its row (unknown session, lease lost,
    /// history gap, seq not increasing) is found before anything is sent, left out and reports
    /// its error; the others are written. Commits to one session apply in order, each against
    /// the state the one before left.
    ///
    /// Should the server refuse a statement (nothing this store sends should be refused), the
    /// transaction is rolled back and every commit written again in a transaction of its own,
    /// so each caller gets exactly the outcome a lone commit would have. Connection loss and
    /// conflicts are thrown for all: `PostgresPool` retries the whole batch when that is safe.
    static func commit(batch: [QueuedCommit], maxEvents: Int, notifyAs instance: String?,
                       on connection: PostgresConnection) throws -> [Result<Int64, any Error>] {
        if batch.count == 1 {
            return [.success(try commit(batch[0].commit, to: batch[0].sessionId, maxEvents: maxEvents,
                                        notifyAs: instance, on: connection))]
        }
        let operation = "groupCommit in one transaction with \(batch.count - 1) other turns"
        let ids = Set(batch.map(\.sessionId)).sorted()
        let locked = try connection.pipeline([.command("BEGIN"), .prepared(lockForGroupCommit, [.text(stringsJSON(ids))])],
                                             operation: operation)[1]
        var counters: [String: CommitCounters] = [:]
        for row in 0..<locked.count {
            counters[locked.text(row, 0)] = CommitCounters(locked, row: row, first: 1)
        }
        var steps: [PostgresPipelineStep] = []
        var notices = 0
        var results: [Result<Int64, any Error>] = []
        for item in batch {
            guard let stored = counters[item.sessionId] else {
                results.append(.failure(StoreError.sessionNotFound(item.sessionId)))
                continue
            }
            do {
                let (itemSteps, after, itemNotices) = try plan(item.commit, to: item.sessionId, stored: stored,
                                                               maxEvents: maxEvents, notifyAs: instance)
                steps += itemSteps
                notices += itemNotices
                counters[item.sessionId] = after
                results.append(.success(after.version))
            } catch {
                results.append(.failure(error))
            }
        }
        var refused: PostgresError?
        do {
            _ = try connection.pipeline(steps + [.command("COMMIT")], operation: operation)
        } catch {
            refused = error
        }
        guard let refused else {
            for _ in 0..<notices { StoreNotifyMetrics.sent(.events) }
            return results
        }
        if refused.connectionLost || refused.isRetryableConflict { throw refused }
        connection.rollbackIfNeeded()
        return batch.map { item in commitAlone(item, maxEvents: maxEvents, notifyAs: instance, on: connection) }
    }

    private static func commitAlone(_ item: QueuedCommit, maxEvents: Int, notifyAs instance: String?,
                                    on connection: PostgresConnection) -> Result<Int64, any Error> {
        do {
            return .success(try commit(item.commit, to: item.sessionId, maxEvents: maxEvents, notifyAs: instance,
                                       on: connection))
        } catch {
            connection.rollbackIfNeeded()
            return .failure(error)
        }
    }
}
