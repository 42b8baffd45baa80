import CSQLite
import Foundation

/// Group commit: the turn commits queued at one moment, written in one transaction.
extension SnapshotDatabase {
    /// One queued turn commit: the session it goes to and the commit, encoded.
    struct QueuedCommit: Sendable {
        var sessionId: String
        var commit: EncodedCommit
    }

    /// Writes `batch` in ONE transaction, each commit in a savepoint of its own, and returns one
    /// result (the session's new version) per commit, in order. A commit that fails (unknown session, history gap, seq not
    /// increasing) is rolled back to its savepoint and reports its error; the others are kept.
    ///
    /// When SQLite rolls the whole transaction back by itself (an I/O error, a full disk), or the
    /// final COMMIT fails, the batch is nobody's failure: every commit is then written again in a
    /// transaction of its own, so each caller gets exactly the outcome a lone commit would have.
    func commit(batch: [QueuedCommit]) -> [Result<Int64, any Error>] {
        guard batch.count > 1 else {
            return batch.map { item in Result { try commit(item.commit, to: item.sessionId) } }
        }
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
                let version = try apply(item.commit, to: item.sessionId)
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

    private func commitEachAlone(_ batch: [QueuedCommit]) -> [Result<Int64, any Error>] {
        batch.map { item in Result { try commit(item.commit, to: item.sessionId) } }
    }

    private var inTransaction: Bool {
        guard let handle = try? connection.rawHandle() else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    private func rollBackIfOpen() {
        if inTransaction { try? connection.run("ROLLBACK") }
    }
}
