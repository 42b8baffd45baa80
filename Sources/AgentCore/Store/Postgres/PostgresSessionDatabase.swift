import Foundation

/// The session schema's operations as synchronous SQL on one connection, for a pool thread.
/// `PostgresSessionStore` is the async front; inputs arrive already encoded to JSON text, so
/// pool threads do only database work.
enum PostgresSessionDatabase {
    typealias S = PostgresStatement
    private static let columns = PostgresSessionRow.columns

    /// With a query (`$8`), the row starts with its marker and lease, at version 2 (1, then the start).
    static let create = S("session_create", """
        INSERT INTO sessions (id, owner, created_at, last_used_at, system_prompt_json, usage, cleared_usage, model,
            running_query_id, title_json, lease_owner, lease_expires_at, version)
        VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8::text, $9, $10,
            CASE WHEN $8::text IS NULL THEN NULL ELSE extract(epoch FROM clock_timestamp()) + $11::double precision END,
            CASE WHEN $8::text IS NULL THEN 1 ELSE 2 END)
        ON CONFLICT (id) DO NOTHING
        """)
    static let select = S("session_select", "SELECT \(columns) FROM sessions WHERE id = $1")
    static let messages = S("session_messages", "SELECT json FROM messages WHERE session_id = $1 ORDER BY idx")
    static let delete = S("session_delete", "DELETE FROM sessions WHERE id = $1")
    static let pageAll = S("session_page_all", """
        SELECT \(columns) FROM sessions WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3
        """)
    static let pageOwned = S("session_page_owned", """
        SELECT \(columns) FROM sessions WHERE owner = $1 AND (created_at, id) > ($2, $3)
        ORDER BY owner, created_at, id LIMIT $4
        """)
    static let pageUnowned = S("session_page_unowned", """
        SELECT \(columns) FROM sessions WHERE owner IS NULL AND (created_at, id) > ($1, $2)
        ORDER BY owner, created_at, id LIMIT $3
        """)
    static let count = S("session_count", "SELECT coalesce(sum(n), 0) FROM session_counts WHERE key = $1")
    /// The partial index on `approval_deadline` holds only paused sessions.
    static let approvalsDue = S("approvals_due", """
        SELECT id FROM sessions WHERE approval_deadline IS NOT NULL AND approval_deadline <= $1
        ORDER BY approval_deadline LIMIT $2
        """)
    static let tryExpiryLock = S("session_expiry_lock", "SELECT pg_try_advisory_xact_lock($1)")
    /// Skips rows another transaction holds: a session being committed right now is in use.
    static let expireBatch = S("session_expire", """
        DELETE FROM sessions WHERE id IN (
            SELECT id FROM sessions
            WHERE last_used_at < $1 AND running_query_id IS NULL AND id NOT IN (SELECT json_array_elements_text($2::json))
            ORDER BY last_used_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id
        """)
    static let probe = S("store_probe", """
        INSERT INTO store_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at
        """)

    /// One responder expires at a time (others skip a round): concurrent sweeps would only
    /// contend for the same rows. The migration lock's key plus one.
    static let expiryLockKey = PostgresMigrator.lockKey + 1
    static let expiryBatchSize = 500

    struct EncodedHeader: Sendable {
        var id: String
        var owner: String?
        var createdAt: Double
        var systemPromptJSON: String?
        var usageJSON: String
        var model: String?
        /// The query the new session starts with, holding its lease (`createSession(_:beginningQuery:title:)`).
        var start: Start?

        struct Start: Sendable {
            var queryId: String
            var titleJSON: String?
            var lease: LeaseSettings
        }

        /// What the store answers for it: the version before the start, or 0 for a plain creation.
        var result: Int64 { start == nil ? 0 : 1 }
    }

    static func create(_ header: EncodedHeader, on connection: PostgresConnection) throws {
        let rows = try connection.query(create, createParameters(header), operation: "createSession(\(header.id))")
        if rows.affected == 0 { throw StoreError.sessionExists(header.id) }
    }

    static func createParameters(_ header: EncodedHeader) -> [PostgresValue] {
        [.text(header.id), .optionalText(header.owner), .double(header.createdAt), .double(header.createdAt),
         .optionalText(header.systemPromptJSON), .text(header.usageJSON), .optionalText(header.model),
         .optionalText(header.start?.queryId), .optionalText(header.start?.titleJSON),
         .optionalText(header.start?.lease.owner), header.start.map { .double($0.lease.duration.inSeconds) } ?? .null]
    }

    /// The row and every message's JSON in order, from one snapshot (a commit cannot land
    /// between the two reads), in one round trip.
    static func load(_ id: String, on connection: PostgresConnection) throws -> (PostgresSessionRow, [String])? {
        let results = try connection.pipeline([
            .command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"), .prepared(select, [.text(id)]),
            .prepared(messages, [.text(id)]), .command("COMMIT"),
        ], operation: "loadSession(\(id))")
        let session = results[1], history = results[2]
        guard session.count == 1 else { return nil }
        return (PostgresSessionRow(session, 0), history.map { history.text($0, 0) })
    }

    static func delete(_ id: String, on connection: PostgresConnection) throws -> Bool {
        try connection.query(delete, [.text(id)], operation: "deleteSession(\(id))").affected > 0
    }

    /// Up to `limit` sessions after the keyset position, plus whether more follow.
    static func list(in scope: SessionScope, limit: Int, after cursor: SessionCursor?,
                     on connection: PostgresConnection) throws -> ([PostgresSessionRow], Bool) {
        let createdAfter = PostgresValue.double(cursor?.createdAt.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude)
        let idAfter = PostgresValue.text(cursor?.id ?? "")
        let fetch = PostgresValue.int(max(0, limit) + 1)
        let rows = switch scope {
        case .everyone:
            try connection.query(pageAll, [createdAfter, idAfter, fetch], operation: "listSessions")
        case .owner(let owner?):
            try connection.query(pageOwned, [.text(owner), createdAfter, idAfter, fetch], operation: "listSessions")
        case .owner(nil):
            try connection.query(pageUnowned, [createdAfter, idAfter, fetch], operation: "listSessions")
        }
        var sessions = rows.map { PostgresSessionRow(rows, $0) }
        let hasMore = sessions.count > max(0, limit)
        if hasMore { sessions.removeLast() }
        return (sessions, hasMore)
    }

    /// At most 16 rows of the trigger-kept counts, whatever the store's size.
    static func count(in scope: SessionScope, on connection: PostgresConnection) throws -> Int {
        let key = switch scope {
        case .everyone: "*"
        case .owner(let owner?): "o:" + owner
        case .owner(nil): "-"
        }
        return try connection.query(count, [.text(key)], operation: "countSessions").int(0, 0)
    }

    /// `SessionStore.sessionsWithApprovalsDue`: earliest deadline first.
    static func approvalsDue(at now: Date, limit: Int, on connection: PostgresConnection) throws -> [String] {
        let rows = try connection.query(approvalsDue, [.double(now.timeIntervalSince1970), .int(limit)],
                                        operation: "sessionsWithApprovalsDue")
        return rows.map { rows.text($0, 0) }
    }

    /// Deletes idle sessions in batches (each its own short transaction), unless another
    /// responder is sweeping right now. Returns the ids deleted.
    static func expire(idleBefore cutoff: Date, excludingJSON excluded: String,
                       on connection: PostgresConnection) throws -> [String] {
        var deleted: [String] = []
        while true {
            let results = try connection.pipeline([
                .command("BEGIN"), .prepared(tryExpiryLock, [.int(expiryLockKey)]),
            ], operation: "expireSessions")
            guard results[1].text(0, 0) == "t" else {
                try connection.execute("COMMIT", operation: "expireSessions")
                return deleted
            }
            let batch = try connection.query(expireBatch, [.double(cutoff.timeIntervalSince1970), .text(excluded),
                                                           .int(expiryBatchSize)], operation: "expireSessions")
            try connection.execute("COMMIT", operation: "expireSessions")
            deleted += batch.map { batch.text($0, 0) }
            if batch.count < expiryBatchSize { return deleted }
        }
    }

    /// A real write, so a server that answers but cannot write (a standby, a full disk) shows.
    static func probe(at time: Date, on connection: PostgresConnection) throws {
        try connection.query(probe, [.double(time.timeIntervalSince1970)], operation: "health probe")
    }
}
