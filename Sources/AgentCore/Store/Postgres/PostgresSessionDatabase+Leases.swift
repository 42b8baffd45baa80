import Foundation

/// The lease protocol on PostgreSQL: query starts, renewals, and closing queries whose lease
/// expired. Expiry is in the database server's clock (`clock_timestamp()`), so responders on
/// hosts with skewed clocks agree on it.
extension PostgresSessionDatabase {
    private static let serverNow = "extract(epoch FROM clock_timestamp())"

    /// The row's state for a query start, locked; the columns `closeRows` reads come first.
    static let lockForBegin = S("begin_lock", """
        SELECT id, running_query_id, last_seq, event_count, usage, lease_owner,
            coalesce(lease_expires_at >= \(serverNow), false), version, \(serverNow)
        FROM sessions WHERE id = $1 FOR UPDATE
        """)
    /// The title is kept only when the session has none: set once, by its first query.
    static let begin = S("begin_query", """
        UPDATE sessions SET running_query_id = $2, title_json = coalesce(title_json, $3), lease_owner = $4,
            lease_expires_at = $5, version = version + 1
        WHERE id = $1
        """)
    /// The usual start, on a session where nothing runs: marker and lease in one statement,
    /// one round trip and its own transaction. The row lock it takes makes it atomic with the
    /// check: a concurrent start on another responder waits, then finds the marker set.
    static let beginIdle = S("begin_idle", """
        UPDATE sessions SET running_query_id = $2, title_json = coalesce(title_json, $3), lease_owner = $4,
            lease_expires_at = \(serverNow) + $5, version = version + 1
        WHERE id = $1 AND running_query_id IS NULL
        RETURNING version - 1
        """)
    static let leaseState = S("lease_state", """
        SELECT version, running_query_id, lease_owner, coalesce(lease_expires_at >= \(serverNow), false)
        FROM sessions WHERE id = $1
        """)
    static let renew = S("lease_renew", """
        UPDATE sessions SET lease_expires_at = \(serverNow) + $2
        WHERE lease_owner = $1 AND (id, running_query_id) IN
            (SELECT r.id, r.query FROM json_to_recordset($3::json) AS r (id text, query text))
        RETURNING id
        """)
    /// Queries to close: lease expired or missing, or (at start-up) this owner's from a previous
    /// life. SKIP LOCKED: a row another responder is closing (or committing) is left to it.
    static let selectDead = S("lease_dead", """
        SELECT id, running_query_id, last_seq, event_count, usage FROM sessions
        WHERE running_query_id IS NOT NULL
            AND (lease_expires_at IS NULL OR lease_expires_at < \(serverNow) OR lease_owner = $1)
        ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED
        """)
    static let closeQuery = S("lease_close", """
        UPDATE sessions SET last_seq = $2, event_count = $3, running_query_id = NULL, lease_owner = NULL,
            lease_expires_at = NULL, version = version + 1
        WHERE id = $1
        """)

    /// Takes the lease (see `SessionStore.beginQuery`): one round trip when nothing runs on the
    /// session; otherwise (gone, held, or a dead query to close first) three or four, in one
    /// transaction that locks the row first. Returns the version before this call's own bump.
    static func begin(_ queryId: String, in id: String, titleJSON: String?, lease: LeaseSettings, now: Date,
                      maxEvents: Int, on connection: PostgresConnection) throws -> Int64 {
        let operation = "beginQuery(\(id), \(queryId))"
        let started = try connection.query(beginIdle, [.text(id), .text(queryId), .optionalText(titleJSON),
                                                       .text(lease.owner), .double(lease.duration.inSeconds)],
                                           operation: operation)
        if started.count == 1 { return started.int64(0, 0) }
        let row = try connection.pipeline([.command("BEGIN"), .prepared(lockForBegin, [.text(id)])], operation: operation)[1]
        guard row.count == 1 else { throw StoreError.sessionNotFound(id) }
        var version = row.int64(0, 7)
        if let running = row.optionalText(0, 1) {
            if running == queryId, row.optionalText(0, 5) == lease.owner {
                // This very start, run again by the pool after the connection dropped before the
                // answer to the statement above arrived: the lease is already this query's.
                try connection.execute("COMMIT", operation: operation)
                return version - 1
            }
            if let owner = row.optionalText(0, 5), owner != lease.owner, row.text(0, 6) == "t" {
                throw StoreError.leaseHeld(sessionId: id, owner: owner, queryId: running)
            }
            // Dead (expired) or this responder's own leftover: closed as the sweeper would.
            _ = try closeRows(row, now: now, maxEvents: maxEvents, notifyAs: lease.owner, operation: operation, on: connection)
            version += 1
        }
        let expiry = row.double(0, 8) + lease.duration.inSeconds
        _ = try connection.pipeline([
            .prepared(begin, [.text(id), .text(queryId), .optionalText(titleJSON), .text(lease.owner), .double(expiry)]),
            .command("COMMIT"),
        ], operation: operation)
        return version
    }

    static func leaseState(of id: String, on connection: PostgresConnection) throws -> SessionLeaseState? {
        let rows = try connection.query(leaseState, [.text(id)], operation: "leaseState(\(id))")
        guard rows.count == 1 else { return nil }
        return SessionLeaseState(version: rows.int64(0, 0), runningQueryId: rows.optionalText(0, 1),
                                 leaseOwner: rows.optionalText(0, 2), leaseActive: rows.text(0, 3) == "t")
    }

    /// One statement for every running query of this owner; returns the sessions not renewed.
    static func renew(_ running: [String: String], lease: LeaseSettings, on connection: PostgresConnection) throws -> Set<String> {
        var json = "["
        for (index, (id, queryId)) in running.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { json += "," }
            json += "{\"id\":"
            JSONValue.writeString(id, to: &json)
            json += ",\"query\":"
            JSONValue.writeString(queryId, to: &json)
            json += "}"
        }
        json += "]"
        let rows = try connection.query(renew, [.text(lease.owner), .double(lease.duration.inSeconds), .text(json)],
                                        operation: "renewLeases")
        let renewed = Set(rows.map { rows.text($0, 0) })
        return Set(running.keys).subtracting(renewed)
    }

    /// Closes queries whose lease is dead (and, with `owner`, that owner's), in batches, each
    /// one transaction. Every responder may run it at once: SKIP LOCKED gives each row to one.
    /// `notifyAs`: the closing responder's instance, named in the `events` notice each closed
    /// session gets, so a follower on another responder sees the interrupted end at once rather
    /// than at its next look at the store (a sweep is rare: the NOTIFY's lock costs nothing here).
    static func closeDead(now: Date, owner: String?, maxEvents: Int, notifyAs: String,
                          on connection: PostgresConnection) throws -> [RecoveredQuery] {
        let operation = owner == nil ? "sweepExpiredLeases" : "recoverInterruptedQueries"
        var closed: [RecoveredQuery] = []
        while true {
            let rows = try connection.pipeline([.command("BEGIN"), .prepared(selectDead, [.optionalText(owner)])],
                                               operation: operation)[1]
            let batch = try closeRows(rows, now: now, maxEvents: maxEvents, notifyAs: notifyAs, operation: operation,
                                      on: connection)
            try connection.execute("COMMIT", operation: operation)
            closed += batch
            if rows.count < 200 { return closed }
        }
    }

    /// Appends `final{status:"interrupted"}` and `usage` to each row's session (columns: id,
    /// running_query_id, last_seq, event_count, usage), clears marker and lease. History is
    /// untouched: it is the last committed step's. Inside the caller's transaction.
    private static func closeRows(_ rows: PostgresRows, now: Date, maxEvents: Int, notifyAs: String, operation: String,
                                  on connection: PostgresConnection) throws -> [RecoveredQuery] {
        var closed: [RecoveredQuery] = []
        for row in 0..<rows.count {
            let id = rows.text(row, 0), queryId = rows.text(row, 1)
            let lastSeq = rows.int64(row, 2), eventCount = rows.int(row, 3)
            let (final, usageEvent) = try RecoveredQuery.interruptedEvents(sessionId: id, queryId: queryId, lastSeq: lastSeq,
                                                                           usageJSON: rows.text(row, 4), now: now)
            let (steps, newLastSeq, newCount) = try appendSteps([StoredEvent(final), StoredEvent(usageEvent)], to: id,
                                                                lastSeq: lastSeq, eventCount: eventCount, maxEvents: maxEvents)
            let notice = SessionNotice(kind: .events, sessionId: id, queryId: queryId, seq: newLastSeq, instance: notifyAs)
            _ = try connection.pipeline(steps + [.prepared(closeQuery, [.text(id), .int(newLastSeq), .int(newCount)]),
                                                 .prepared(PostgresNotifier.notify, [.text(PostgresNotifier.channel),
                                                                                     .text(notice.payload)])],
                                        operation: operation)
            closed.append(RecoveredQuery(sessionId: id, queryId: queryId, event: final, usageEvent: usageEvent))
        }
        return closed
    }
}
