import Foundation

/// Turn commits, the event log, its retention bound, and crash recovery.
extension SnapshotDatabase {
    /// A `TurnCommit` with messages and usage already encoded.
    struct EncodedCommit: Sendable {
        var historyFrom: Int?
        var messages: [String]
        var events: [StoredEvent]
        var usageJSON: String?
        var clearedUsageJSON: String?
        var lastUsedAt: Date?
        var query: TurnCommit.QueryMark
        /// nil leaves the stored pending approvals as they are.
        var pendingApprovalsJSON: String?
        /// Written with `pendingApprovalsJSON` (when that is not nil): `TurnCommit.approvalDeadline`.
        var approvalDeadline: Double?
        var fence: LeaseFence
        var lease: LeaseSettings
    }

    /// The whole commit in one transaction: history, events, usage, timestamps, marker, and the
    /// version bump; fenced first (`LeaseFence`). Returns the new version.
    func commit(_ commit: EncodedCommit, to id: String) throws -> Int64 {
        try connection.transaction { try apply(commit, to: id) }
    }

    /// The commit's statements, inside a transaction (or savepoint) the caller opened. Returns
    /// the session's new version.
    func apply(_ commit: EncodedCommit, to id: String) throws -> Int64 {
        guard let counts = try connection.row(
            "SELECT message_count, last_seq, event_count, version, running_query_id, lease_owner FROM sessions WHERE id = ?",
            [.text(id)], { (messages: $0.int(0), lastSeq: $0.int64(1), events: $0.int(2), version: $0.int64(3),
                            running: $0.optionalText(4), owner: $0.optionalText(5)) })
        else { throw StoreError.sessionNotFound(id) }
        try commit.fence.check(sessionId: id, version: counts.version, runningQueryId: counts.running, leaseOwner: counts.owner)

        var messageCount = counts.messages
        if let from = commit.historyFrom {
            guard from >= 0, from <= counts.messages else {
                throw StoreError.historyGap(sessionId: id, from: from, stored: counts.messages)
            }
            if from < counts.messages {
                try connection.run("DELETE FROM messages WHERE session_id = ? AND idx >= ?", [.text(id), .int(from)])
            }
            for (offset, json) in commit.messages.enumerated() {
                try connection.run("INSERT INTO messages (session_id, idx, json) VALUES (?, ?, ?)",
                                   [.text(id), .int(from + offset), .text(json)])
            }
            messageCount = from + commit.messages.count
        }
        let (lastSeq, eventCount) = try append(commit.events, to: id, lastSeq: counts.lastSeq, eventCount: counts.events)

        let (markAction, markValue): (Int, SQLiteValue) = switch commit.query {
        case .unchanged: (0, .null)
        case .running(let queryId): (1, .text(queryId))
        case .finished: (1, .null)
        }
        // Setting the marker takes the lease (for this owner); clearing it releases the lease.
        let expiry = Date().timeIntervalSince1970 + commit.lease.duration.inSeconds
        try connection.run("""
            UPDATE sessions SET message_count = ?, last_seq = ?, event_count = ?, usage = coalesce(?, usage),
                cleared_usage = coalesce(?, cleared_usage), last_used_at = coalesce(?, last_used_at),
                running_query_id = CASE ? WHEN 0 THEN running_query_id ELSE ? END,
                lease_owner = CASE ? WHEN 0 THEN lease_owner ELSE ? END,
                lease_expires_at = CASE ? WHEN 0 THEN lease_expires_at ELSE ? END,
                pending_approvals = coalesce(?, pending_approvals),
                approval_deadline = CASE WHEN ? IS NULL THEN approval_deadline ELSE ? END,
                version = version + 1
            WHERE id = ?
            """, [.int(messageCount), .integer(lastSeq), .int(eventCount), .optionalText(commit.usageJSON),
                  .optionalText(commit.clearedUsageJSON),
                  commit.lastUsedAt.map { .real($0.timeIntervalSince1970) } ?? .null, .int(markAction), markValue,
                  .int(markAction), markValue == .null ? .null : .text(commit.lease.owner),
                  .int(markAction), markValue == .null ? .null : .real(expiry),
                  .optionalText(commit.pendingApprovalsJSON), .optionalText(commit.pendingApprovalsJSON),
                  commit.approvalDeadline.map { .real($0) } ?? .null, .text(id)])
        return counts.version + 1
    }

    /// Inserts events (seqs strictly increasing above `lastSeq`) and drops the oldest beyond
    /// the retention bound. Returns the new last seq and event count. Call inside a transaction.
    func append(_ events: [StoredEvent], to id: String, lastSeq: Int64, eventCount: Int) throws -> (Int64, Int) {
        var last = lastSeq
        for event in events {
            guard event.seq > last else { throw StoreError.seqNotIncreasing(sessionId: id, seq: event.seq, lastSeq: last) }
            try connection.run("INSERT INTO events (session_id, seq, query_id, type, json) VALUES (?, ?, ?, ?, ?)",
                               [.text(id), .integer(event.seq), .text(event.queryId), .text(event.type), .text(event.json)])
            last = event.seq
        }
        var count = eventCount + events.count
        if count > maxEventsPerSession {
            // Walks only the excess at the old end of the (session_id, seq) key.
            try connection.run("""
                DELETE FROM events WHERE session_id = ?1 AND seq IN
                    (SELECT seq FROM events WHERE session_id = ?1 ORDER BY seq LIMIT ?2)
                """, [.text(id), .int(count - maxEventsPerSession)])
            count -= connection.changes
        }
        return (last, count)
    }

    /// Up to `limit` events with seq above `seq`, oldest first.
    func events(of id: String, after seq: Int64, limit: Int) throws -> [StoredEvent] {
        try connection.rows("""
            SELECT seq, query_id, type, json FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?
            """, [.text(id), .integer(seq), .int(max(0, limit))]) {
            StoredEvent(seq: $0.int64(0), queryId: $0.text(1), type: $0.text(2), json: $0.text(3))
        }
    }
}
