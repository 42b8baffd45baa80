import Foundation

/// Session rows: create, read, list, clear, delete, expire.
extension SnapshotDatabase {
    private static let selectSession = "SELECT \(SessionRow.columns) FROM sessions WHERE id = ?"
    private static let pageAll = """
        SELECT \(SessionRow.columns) FROM sessions WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?
        """
    private static let pageOwned = """
        SELECT \(SessionRow.columns) FROM sessions WHERE owner = ? AND (created_at, id) > (?, ?)
        ORDER BY owner, created_at, id LIMIT ?
        """
    private static let pageUnowned = """
        SELECT \(SessionRow.columns) FROM sessions WHERE owner IS NULL AND (created_at, id) > (?, ?)
        ORDER BY owner, created_at, id LIMIT ?
        """

    /// A new row: no history, no usage, last used when created. Call inside a transaction (the
    /// group commit's savepoint).
    func applyCreate(_ header: SessionHeader, emptyUsageJSON: String) throws {
        let exists = try connection.row("SELECT 1 FROM sessions WHERE id = ?", [.text(header.id)]) { _ in true }
        if exists == true { throw StoreError.sessionExists(header.id) }
        try connection.run("""
            INSERT INTO sessions (id, owner, created_at, last_used_at, system_prompt, usage, model, cleared_usage)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(header.id), .optionalText(header.owner), .real(header.createdAt.timeIntervalSince1970),
                  .real(header.createdAt.timeIntervalSince1970), .optionalText(header.systemPrompt),
                  .text(emptyUsageJSON), .optionalText(header.model), .text(emptyUsageJSON)])
    }

    func session(_ id: String) throws -> SessionRow? {
        try connection.row(Self.selectSession, [.text(id)]) { SessionRow($0) }
    }

    /// The row and every message's JSON in order. The one connection runs one job at a
    /// time, so no commit can land between the two reads.
    func loadSession(_ id: String) throws -> (SessionRow, [String])? {
        guard let row = try session(id) else { return nil }
        let messages = try connection.rows("SELECT json FROM messages WHERE session_id = ? ORDER BY idx",
                                           [.text(id)]) { $0.text(0) }
        return (row, messages)
    }

    /// Up to `limit` sessions after the keyset position, plus whether more follow.
    func listSessions(in scope: SessionScope, limit: Int, after cursor: SessionCursor?) throws -> ([SessionRow], Bool) {
        let position: [SQLiteValue] = [.real(cursor?.createdAt.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude),
                                        .text(cursor?.id ?? "")]
        let fetch = SQLiteValue.int(max(0, limit) + 1)
        var rows: [SessionRow]
        switch scope {
        case .everyone:
            rows = try connection.rows(Self.pageAll, position + [fetch]) { SessionRow($0) }
        case .owner(let owner?):
            rows = try connection.rows(Self.pageOwned, [.text(owner)] + position + [fetch]) { SessionRow($0) }
        case .owner(nil):
            rows = try connection.rows(Self.pageUnowned, position + [fetch]) { SessionRow($0) }
        }
        let hasMore = rows.count > max(0, limit)
        if hasMore { rows.removeLast() }
        return (rows, hasMore)
    }

    /// One row of the trigger-kept counts (schema v3 keys), whatever the size of the store.
    func countSessions(in scope: SessionScope) throws -> Int {
        let key: String
        switch scope {
        case .everyone: key = "*"
        case .owner(let owner?): key = "o:" + owner
        case .owner(nil): key = "-"
        }
        return try connection.row("SELECT n FROM session_counts WHERE key = ?", [.text(key)]) { $0.int(0) } ?? 0
    }

    /// Paused sessions past their earliest deadline, earliest first (the partial index holds
    /// only paused sessions).
    func sessionsWithApprovalsDue(at now: Date, limit: Int) throws -> [String] {
        try connection.rows("""
            SELECT id FROM sessions WHERE approval_deadline IS NOT NULL AND approval_deadline <= ?
            ORDER BY approval_deadline LIMIT ?
            """, [.real(now.timeIntervalSince1970), .int(limit)]) { $0.text(0) }
    }

    /// Empties history and resets usage to `usageJSON`; `setAside` turns the row as it was into
    /// the new `cleared_usage`, so the lifetime total survives. Events and `last_seq` stay: seqs
    /// are never reused and a client resuming a stream still finds what it missed.
    func clearSession(_ id: String, usageJSON: String, at date: Date,
                      setAside: (SessionRow) throws -> String) throws -> Bool {
        try connection.transaction {
            guard let row = try session(id) else { return false }
            try connection.run("""
                UPDATE sessions SET message_count = 0, usage = ?, cleared_usage = ?, last_used_at = ? WHERE id = ?
                """, [.text(usageJSON), .text(try setAside(row)), .real(date.timeIntervalSince1970), .text(id)])
            try connection.run("DELETE FROM messages WHERE session_id = ?", [.text(id)])
            return true
        }
    }

    /// Deletes the session, its history and its events (foreign-key cascade).
    func deleteSession(_ id: String) throws -> Bool {
        try connection.transaction {
            try connection.run("DELETE FROM sessions WHERE id = ?", [.text(id)])
            return connection.changes > 0
        }
    }

    func touchSession(_ id: String, at date: Date) throws -> Bool {
        try connection.run("UPDATE sessions SET last_used_at = ? WHERE id = ?", [.real(date.timeIntervalSince1970), .text(id)])
        return connection.changes > 0
    }

    /// Sets or clears the running-query marker; a `title` is kept only when the session has none.
    func markRunningQuery(_ queryId: String?, in id: String, title: String? = nil) throws {
        try connection.run("""
            UPDATE sessions SET running_query_id = ?, title = coalesce(title, ?), version = version + 1,
                lease_owner = CASE WHEN ?1 IS NULL THEN NULL ELSE lease_owner END,
                lease_expires_at = CASE WHEN ?1 IS NULL THEN NULL ELSE lease_expires_at END
            WHERE id = ?
            """, [.optionalText(queryId), .optionalText(title), .text(id)])
        guard connection.changes > 0 else { throw StoreError.sessionNotFound(id) }
    }

    /// Deletes sessions idle since before `cutoff`, except `excluded` (held in memory, where
    /// their own idleness is known better) and those with a query marked running (the sweeper
    /// closes those first); returns the ids deleted.
    func expireSessions(idleBefore cutoff: Date, excluding excluded: Set<String>) throws -> [String] {
        try connection.transaction {
            let idle = try connection.rows("SELECT id FROM sessions WHERE last_used_at < ? AND running_query_id IS NULL ORDER BY last_used_at",
                                           [.real(cutoff.timeIntervalSince1970)]) { $0.text(0) }
            var deleted: [String] = []
            for id in idle where !excluded.contains(id) {
                try connection.run("DELETE FROM sessions WHERE id = ?", [.text(id)])
                deleted.append(id)
            }
            return deleted
        }
    }
}
