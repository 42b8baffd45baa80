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
    }

    /// The whole commit in one transaction: history, events, usage, timestamps, marker.
    func commit(_ commit: EncodedCommit, to id: String) throws {
        try connection.transaction { try apply(commit, to: id) }
    }

    /// The commit's statements, inside a transaction (or savepoint) the caller opened.
    func apply(_ commit: EncodedCommit, to id: String) throws {
        guard let counts = try connection.row(
            "SELECT message_count, last_seq, event_count FROM sessions WHERE id = ?", [.text(id)],
            { (messages: $0.int(0), lastSeq: $0.int64(1), events: $0.int(2)) })
        else { throw StoreError.sessionNotFound(id) }

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
        try connection.run("""
            UPDATE sessions SET message_count = ?, last_seq = ?, event_count = ?, usage = coalesce(?, usage),
                cleared_usage = coalesce(?, cleared_usage), last_used_at = coalesce(?, last_used_at),
                running_query_id = CASE ? WHEN 0 THEN running_query_id ELSE ? END
            WHERE id = ?
            """, [.int(messageCount), .integer(lastSeq), .int(eventCount), .optionalText(commit.usageJSON),
                  .optionalText(commit.clearedUsageJSON),
                  commit.lastUsedAt.map { .real($0.timeIntervalSince1970) } ?? .null, .int(markAction), markValue,
                  .text(id)])
    }

    /// Inserts events (seqs strictly increasing above `lastSeq`) and drops the oldest beyond
    /// the retention bound. Returns the new last seq and event count. Call inside a transaction.
    private func append(_ events: [StoredEvent], to id: String, lastSeq: Int64, eventCount: Int) throws -> (Int64, Int) {
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

    /// Closes every query still marked running (the process died during it): appends
    /// `final{status:"interrupted"}` and the session's `usage` (docs/API.md §4.1: every query ends
    /// final, then usage) and clears the marker. History is untouched: it is the last committed
    /// step's. The final's seq skips `EventLogLimits.maxUncommittedEvents`, the most events the
    /// dead process may have streamed without committing, so seqs a client saw are never
    /// reused and a client resuming after any of them still gets the end of the query.
    /// Reads only the marked sessions (partial index).
    func recoverInterruptedQueries(now: Date) throws -> [RecoveredQuery] {
        try connection.transaction {
            let running = try connection.rows("""
                SELECT id, running_query_id, last_seq, event_count, usage FROM sessions WHERE running_query_id IS NOT NULL
                """) { (id: $0.text(0), queryId: $0.text(1), lastSeq: $0.int64(2), events: $0.int(3), usage: $0.text(4)) }
            var recovered: [RecoveredQuery] = []
            for session in running {
                let usage: SessionUsage
                do {
                    usage = try JSONDecoder().decode(SessionUsage.self, from: Data(session.usage.utf8))
                } catch {
                    throw StoreError.undecodable(sessionId: session.id, what: "usage", details: "\(error)")
                }
                let finalSeq = session.lastSeq + Int64(EventLogLimits.maxUncommittedEvents) + 1
                let final = StampedEvent(event: .final(content: "", status: .interrupted), timestamp: now,
                                         sessionId: session.id, queryId: session.queryId, seq: finalSeq)
                let usageEvent = StampedEvent(event: .usage(usage), timestamp: now, sessionId: session.id,
                                              queryId: session.queryId, seq: finalSeq + 1)
                let (lastSeq, eventCount) = try append([StoredEvent(final), StoredEvent(usageEvent)], to: session.id,
                                                       lastSeq: session.lastSeq, eventCount: session.events)
                try connection.run("""
                    UPDATE sessions SET last_seq = ?, event_count = ?, running_query_id = NULL WHERE id = ?
                    """, [.integer(lastSeq), .int(eventCount), .text(session.id)])
                recovered.append(RecoveredQuery(sessionId: session.id, queryId: session.queryId, event: final,
                                                usageEvent: usageEvent))
            }
            return recovered
        }
    }
}
