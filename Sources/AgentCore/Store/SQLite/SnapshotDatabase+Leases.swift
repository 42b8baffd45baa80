import Foundation

/// The lease protocol on SQLite: query starts, renewals, and closing queries whose lease
/// expired. One process holds the file, so every lease is its own; the protocol is the same as
/// PostgreSQL's so the store contract holds both to it. Times are this host's clock.
extension SnapshotDatabase {
    /// Takes the lease for `queryId` (see `SessionStore.beginQuery`); returns the version before
    /// this call's own bump (after closing a dead query it found, if any). Call inside a
    /// transaction (the group commit's savepoint).
    func applyBegin(_ queryId: String, in id: String, title: String?, lease: LeaseSettings, now: Date) throws -> Int64 {
        let nowSeconds = now.timeIntervalSince1970
        guard let row = try connection.row("""
            SELECT running_query_id, lease_owner, lease_expires_at, version FROM sessions WHERE id = ?
            """, [.text(id)], { (running: $0.optionalText(0), owner: $0.optionalText(1),
                                 expires: $0.isNull(2) ? nil : $0.double(2), version: $0.int64(3)) })
        else { throw StoreError.sessionNotFound(id) }
        var version = row.version
        if let running = row.running {
            let live = row.expires.map { $0 >= nowSeconds } ?? false
            if let owner = row.owner, owner != lease.owner, live {
                throw StoreError.leaseHeld(sessionId: id, owner: owner, queryId: running)
            }
            // Dead (expired) or this responder's own leftover: closed as the sweeper would.
            _ = try closeRunningQueries(now: now, onlyExpired: false, sessionId: id)
            version += 1
        }
        try connection.run("""
            UPDATE sessions SET running_query_id = ?, title = coalesce(title, ?), lease_owner = ?,
                lease_expires_at = ?, version = version + 1
            WHERE id = ?
            """, [.text(queryId), .optionalText(title), .text(lease.owner),
                  .real(nowSeconds + lease.duration.inSeconds), .text(id)])
        return version
    }

    func leaseState(of id: String, now: Date) throws -> SessionLeaseState? {
        try connection.row("SELECT version, running_query_id, lease_owner, lease_expires_at FROM sessions WHERE id = ?",
                           [.text(id)]) {
            SessionLeaseState(version: $0.int64(0), runningQueryId: $0.optionalText(1), leaseOwner: $0.optionalText(2),
                              leaseActive: !$0.isNull(3) && $0.double(3) >= now.timeIntervalSince1970)
        }
    }

    /// Extends this owner's leases on `running` (session → query); returns the sessions whose
    /// lease is no longer that query's.
    func renewLeases(_ running: [String: String], lease: LeaseSettings, now: Date) throws -> Set<String> {
        try connection.transaction {
            var lost: Set<String> = []
            let expiry = now.timeIntervalSince1970 + lease.duration.inSeconds
            for (id, queryId) in running.sorted(by: { $0.key < $1.key }) {
                try connection.run("""
                    UPDATE sessions SET lease_expires_at = ? WHERE id = ? AND running_query_id = ? AND lease_owner = ?
                    """, [.real(expiry), .text(id), .text(queryId), .text(lease.owner)])
                if connection.changes == 0 { lost.insert(id) }
            }
            return lost
        }
    }

    /// Closes queries still marked running — all of them (start-up: one process holds the file,
    /// so they are a dead process's), or with `onlyExpired` those whose lease expired — by
    /// appending `final{status:"interrupted"}` and the session's `usage` (docs/API.md §4.1: every
    /// query ends final, then usage), clearing the marker and the lease. History is untouched:
    /// it is the last committed step's. The final's seq skips `EventLogLimits.maxUncommittedEvents`,
    /// the most events the dead process may have streamed without committing, so seqs a client
    /// saw are never reused and a client resuming after any of them still gets the end of the
    /// query. Reads only the marked sessions (partial index). Call inside a transaction when
    /// `sessionId` is given.
    func closeRunningQueries(now: Date, onlyExpired: Bool, sessionId: String? = nil) throws -> [RecoveredQuery] {
        let work = {
            var sql = """
                SELECT id, running_query_id, last_seq, event_count, usage FROM sessions WHERE running_query_id IS NOT NULL
                """
            var values: [SQLiteValue] = []
            if onlyExpired {
                sql += " AND (lease_expires_at IS NULL OR lease_expires_at < ?)"
                values.append(.real(now.timeIntervalSince1970))
            }
            if let sessionId {
                sql += " AND id = ?"
                values.append(.text(sessionId))
            }
            let running = try self.connection.rows(sql, values) {
                (id: $0.text(0), queryId: $0.text(1), lastSeq: $0.int64(2), events: $0.int(3), usage: $0.text(4))
            }
            var recovered: [RecoveredQuery] = []
            for session in running {
                let (final, usageEvent) = try RecoveredQuery.interruptedEvents(sessionId: session.id, queryId: session.queryId,
                                                                     lastSeq: session.lastSeq, usageJSON: session.usage,
                                                                     now: now)
                let (lastSeq, eventCount) = try self.append([StoredEvent(final), StoredEvent(usageEvent)], to: session.id,
                                                            lastSeq: session.lastSeq, eventCount: session.events)
                try self.connection.run("""
                    UPDATE sessions SET last_seq = ?, event_count = ?, running_query_id = NULL, lease_owner = NULL,
                        lease_expires_at = NULL, version = version + 1
                    WHERE id = ?
                    """, [.integer(lastSeq), .int(eventCount), .text(session.id)])
                recovered.append(RecoveredQuery(sessionId: session.id, queryId: session.queryId, event: final,
                                                usageEvent: usageEvent))
            }
            return recovered
        }
        return sessionId == nil ? try connection.transaction(work) : try work()
    }
}
