import CSQLite
import Foundation

/// Group commit: the writes queued at one moment — turn commits, and the session creations and
/// query starts that come with queries — written in one transaction. Each transaction appends
/// every page it changed to the WAL, so sixteen queries starting at once write the sessions
/// table's pages once instead of sixteen times each.
extension SnapshotDatabase {
    /// One queued turn commit: the session it goes to and the commit, encoded.
    struct QueuedCommit: Sendable {
        var sessionId: String
        var commit: EncodedCommit
    }

    /// What the group commit queue holds; each resolves to an `Int64`.
    enum QueuedWrite: Sendable {
        /// Resolves to the session's new version.
        case turn(QueuedCommit)
        /// `SessionStore.beginQuery`; resolves to the version before the start.
        case begin(sessionId: String, queryId: String, title: String?, lease: LeaseSettings, now: Date)
        /// `SessionStore.createSession`; resolves to 0.
        case create(SessionHeader, emptyUsageJSON: String)

        var isTurnCommit: Bool {
            if case .turn = self { return true }
            return false
        }
    }

    /// Writes `batch` in ONE transaction, each write in a savepoint of its own, and returns one
    /// result per write, in order. A write that fails (unknown session, history gap, seq not
    /// increasing, a lease held elsewhere, an id taken) is rolled back to its savepoint and
    /// reports its error; the others are kept.
    ///
    /// When SQLite rolls the whole transaction back by itself (an I/O error, a full disk), or the
    /// final COMMIT fails, the batch is nobody's failure: every commit is then written again in a
    /// transaction of its own, so each caller gets exactly the outcome a lone commit would have.
    func commit(batch: [QueuedWrite]) -> [Result<Int64, any Error>] {
        guard batch.count > 1 else { return commitEachAlone(batch) }
        do {
            try connection.run("BEGIN IMMEDIATE")
        } catch {
            return commitEachAlone(batch)
        }
        var results: [Result<Int64, any Error>] = []
        results.reserveCapacity(batch.count)
        for item in batch {
            do {
                try connection.run("SAVEPOINT turn")
                let version = try apply(item)
                try connection.run("RELEASE turn")
                results.append(.success(version))
            } catch {
                guard inTransaction, (try? connection.run("ROLLBACK TO turn")) != nil,
                      (try? connection.run("RELEASE turn")) != nil
                else {
                    rollBackIfOpen()
                    return commitEachAlone(batch)
                }
                results.append(.failure(error))
            }
        }
        do {
            try connection.run("COMMIT")
        } catch {
            rollBackIfOpen()
            return commitEachAlone(batch)
        }
        return results
    }

    private func commitEachAlone(_ batch: [QueuedWrite]) -> [Result<Int64, any Error>] {
        batch.map { item in Result { try connection.transaction { try apply(item) } } }
    }

    private func apply(_ item: QueuedWrite) throws -> Int64 {
        switch item {
        case .turn(let turn):
            return try apply(turn.commit, to: turn.sessionId)
        case .begin(let sessionId, let queryId, let title, let lease, let now):
            return try applyBegin(queryId, in: sessionId, title: title, lease: lease, now: now)
        case .create(let header, let emptyUsageJSON):
            try applyCreate(header, emptyUsageJSON: emptyUsageJSON)
            return 0
        }
    }

    private var inTransaction: Bool {
        guard let handle = try? connection.rawHandle() else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    private func rollBackIfOpen() {
        if inTransaction { try? connection.run("ROLLBACK") }
    }
}
