import Foundation

/// Commits, the event log, its retention bound, and crash recovery.
extension PostgresSessionDatabase {
    /// The last column: whether another responder watches the session now (`watched_until`).
    static let lockForCommit = S("commit_lock", """
        SELECT message_count, last_seq, event_count, version, running_query_id, lease_owner,
            coalesce(watched_until >= extract(epoch FROM clock_timestamp()), false)
        FROM sessions WHERE id = $1 FOR UPDATE
        """)
    static let truncateMessages = S("commit_truncate", "DELETE FROM messages WHERE session_id = $1 AND idx >= $2")
    static let insertMessages = S("commit_messages", """
        INSERT INTO messages (session_id, idx, json)
        SELECT $1, $2::integer + m.ord::integer - 1, m.value
        FROM json_array_elements_text($3::json) WITH ORDINALITY AS m (value, ord)
        """)
    static let insertEvents = S("commit_events", """
        INSERT INTO events (session_id, seq, query_id, type, json)
        SELECT $1, e.seq, e.query_id, e.type, e.json
        FROM json_to_recordset($2::json) AS e (seq bigint, query_id text, type text, json text)
        """)
    /// Walks only the excess at the old end of the (session_id, seq) key.
    static let trimEvents = S("commit_trim", """
        DELETE FROM events WHERE session_id = $1 AND seq IN
            (SELECT seq FROM events WHERE session_id = $1 ORDER BY seq LIMIT $2)
        """)
    static let updateAfterCommit = S("commit_update", """
        UPDATE sessions SET message_count = $2, last_seq = $3, event_count = $4, usage = coalesce($5, usage),
            cleared_usage = coalesce($6, cleared_usage), last_used_at = coalesce($7, last_used_at),
            running_query_id = CASE WHEN $8 THEN $9 ELSE running_query_id END,
            lease_owner = CASE WHEN $8 THEN $10 ELSE lease_owner END,
            lease_expires_at = CASE WHEN NOT $8 THEN lease_expires_at WHEN $10 IS NULL THEN NULL
                ELSE extract(epoch FROM clock_timestamp()) + $11 END,
            pending_approvals = coalesce($12, pending_approvals),
            approval_deadline = CASE WHEN $12 IS NULL THEN approval_deadline ELSE $13 END,
            version = version + 1
        WHERE id = $1
        """)
    static let selectEvents = S("events_after", """
        SELECT seq, query_id, type, json FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
        """)
    /// A `TurnCommit` with messages and usages encoded; nil leaves the stored value.
    struct EncodedCommit: Sendable {
        /// Where the new messages go (nil: history unchanged); earlier messages from there on are replaced.
        var historyFrom: Int?
        /// The new messages' JSON, as one JSON array of strings.
        var messagesJSON: String
        var messageCount: Int
        var events: [StoredEvent]
        var usageJSON: String?
        var clearedUsageJSON: String?
        var lastUsedAt: Double?
        var query: TurnCommit.QueryMark
        /// nil leaves the stored pending approvals as they are.
        var pendingApprovalsJSON: String?
        /// Written with `pendingApprovalsJSON` (when that is not nil): `TurnCommit.approvalDeadline`.
        var approvalDeadline: Double?
        var fence: LeaseFence
        var leaseSeconds: Double
    }

    /// A session row's state, as locked for a commit: its counters, what the lease fence
    /// compares (`LeaseFence.check`), and whether a commit must wake another responder.
    struct CommitCounters {
        var messages: Int
        var lastSeq: Int64
        var events: Int
        var version: Int64
        var runningQueryId: String?
        var leaseOwner: String?
        /// Another responder waits for this session's commits (`watched_until` lies ahead).
        var watched: Bool

        /// Columns `messageCount` … `leaseOwner`, watched of `rows`' row `row`, from column `first` on.
        init(_ rows: PostgresRows, row: Int, first: Int) {
            messages = rows.int(row, first)
            lastSeq = rows.int64(row, first + 1)
            events = rows.int(row, first + 2)
            version = rows.int64(row, first + 3)
            runningQueryId = rows.optionalText(row, first + 4)
            leaseOwner = rows.optionalText(row, first + 5)
            watched = rows.text(row, first + 6) == "t"
        }

        init(messages: Int, lastSeq: Int64, events: Int, version: Int64, runningQueryId: String?, leaseOwner: String?,
             watched: Bool) {
            self.messages = messages
            self.lastSeq = lastSeq
            self.events = events
            self.version = version
            self.runningQueryId = runningQueryId
            self.leaseOwner = leaseOwner
            self.watched = watched
        }
    }

    /// The whole commit in one transaction and two round trips: lock the row and read its
    /// counters; then history, events, retention, counters and marker, and COMMIT, pipelined.
    /// A refused commit (unknown session, lease lost, history gap, seq not increasing) changes
    /// nothing. Returns the session's new version. A commit that appends events to a session
    /// another responder watches (`SessionBus.watch`) also NOTIFYs (`notifyAs` names this one),
    /// in the same transaction: the notice goes out exactly when the rows are visible.
    static func commit(_ commit: EncodedCommit, to id: String, maxEvents: Int, notifyAs instance: String? = nil,
                       on connection: PostgresConnection) throws -> Int64 {
        let operation = "commitTurn(\(id))"
        let locked = try connection.pipeline([.command("BEGIN"), .prepared(lockForCommit, [.text(id)])],
                                             operation: operation)[1]
        guard locked.count == 1 else { throw StoreError.sessionNotFound(id) }
        let (steps, after, notices) = try plan(commit, to: id, stored: CommitCounters(locked, row: 0, first: 0),
                                               maxEvents: maxEvents, notifyAs: instance)
        _ = try connection.pipeline(steps + [.command("COMMIT")], operation: operation)
        for _ in 0..<notices { StoreNotifyMetrics.sent(.events) }
        return after.version
    }

    /// The statements that write `commit` over a row whose state is `stored`, the state after
    /// them, and how many NOTIFYs they send (0 or 1); throws (sending nothing) when the commit
    /// does not fit the row or its fence.
    static func plan(_ commit: EncodedCommit, to id: String, stored: CommitCounters, maxEvents: Int,
                     notifyAs instance: String?) throws -> ([PostgresPipelineStep], CommitCounters, Int) {
        try commit.fence.check(sessionId: id, version: stored.version, runningQueryId: stored.runningQueryId,
                               leaseOwner: stored.leaseOwner)
        var steps: [PostgresPipelineStep] = []
        var messageCount = stored.messages
        if let from = commit.historyFrom {
            guard from >= 0, from <= stored.messages else {
                throw StoreError.historyGap(sessionId: id, from: from, stored: stored.messages)
            }
            if from < stored.messages { steps.append(.prepared(truncateMessages, [.text(id), .int(from)])) }
            if commit.messageCount > 0 {
                steps.append(.prepared(insertMessages, [.text(id), .int(from), .text(commit.messagesJSON)]))
            }
            messageCount = from + commit.messageCount
        }
        let (eventSteps, lastSeq, eventCount) = try appendSteps(commit.events, to: id, lastSeq: stored.lastSeq,
                                                                eventCount: stored.events, maxEvents: maxEvents)
        steps += eventSteps
        let (setMark, mark): (Bool, String?) = switch commit.query {
        case .unchanged: (false, nil)
        case .running(let queryId): (true, queryId)
        case .finished: (true, nil)
        }
        steps.append(.prepared(updateAfterCommit, [
            .text(id), .int(messageCount), .int(lastSeq), .int(eventCount), .optionalText(commit.usageJSON),
            .optionalText(commit.clearedUsageJSON), commit.lastUsedAt.map(PostgresValue.double) ?? .null,
            .bool(setMark), .optionalText(mark), mark == nil ? .null : .text(commit.fence.owner),
            .double(commit.leaseSeconds), .optionalText(commit.pendingApprovalsJSON),
            commit.approvalDeadline.map(PostgresValue.double) ?? .null]))
        // Only when someone elsewhere waits: a NOTIFY serializes this commit's WAL flush with
        // every other notifying commit's. A watcher that registers after this row was locked
        // waits for this commit and reads the events afterwards (docs/SCALING.md §1).
        var notices = 0
        if let instance, stored.watched, let last = commit.events.last {
            let notice = SessionNotice(kind: .events, sessionId: id, queryId: last.queryId, seq: lastSeq, instance: instance)
            steps.append(.prepared(PostgresNotifier.notify, [.text(PostgresNotifier.channel), .text(notice.payload)]))
            notices = 1
        }
        let after = CommitCounters(messages: messageCount, lastSeq: lastSeq, events: eventCount, version: stored.version + 1,
                                   runningQueryId: setMark ? mark : stored.runningQueryId,
                                   leaseOwner: setMark ? (mark == nil ? nil : commit.fence.owner) : stored.leaseOwner,
                                   watched: stored.watched)
        return (steps, after, notices)
    }

    /// The statements that append `events` (seqs strictly increasing above `lastSeq`) and drop
    /// the oldest beyond the retention bound, with the new last seq and event count.
    static func appendSteps(_ events: [StoredEvent], to id: String, lastSeq: Int64, eventCount: Int,
                                    maxEvents: Int) throws -> ([PostgresPipelineStep], Int64, Int) {
        var last = lastSeq
        for event in events {
            guard event.seq > last else { throw StoreError.seqNotIncreasing(sessionId: id, seq: event.seq, lastSeq: last) }
            last = event.seq
        }
        guard !events.isEmpty else { return ([], lastSeq, eventCount) }
        var steps: [PostgresPipelineStep] = [.prepared(insertEvents, [.text(id), .text(eventsJSON(events))])]
        var count = eventCount + events.count
        if count > maxEvents {
            steps.append(.prepared(trimEvents, [.text(id), .int(count - maxEvents)]))
            count = maxEvents
        }
        return (steps, last, count)
    }

    /// Events as the JSON array `json_to_recordset` reads.
    static func eventsJSON(_ events: [StoredEvent]) -> String {
        var output = "["
        for (index, event) in events.enumerated() {
            if index > 0 { output += "," }
            output += "{\"seq\":\(event.seq),\"query_id\":"
            JSONValue.writeString(event.queryId, to: &output)
            output += ",\"type\":"
            JSONValue.writeString(event.type, to: &output)
            output += ",\"json\":"
            JSONValue.writeString(event.json, to: &output)
            output += "}"
        }
        return output + "]"
    }

    /// Strings as one JSON array (the messages `json_array_elements_text` reads).
    static func stringsJSON(_ strings: [String]) -> String {
        var output = "["
        for (index, string) in strings.enumerated() {
            if index > 0 { output += "," }
            JSONValue.writeString(string, to: &output)
        }
        return output + "]"
    }

    /// Up to `limit` events with seq above `seq`, oldest first.
    static func events(of id: String, after seq: Int64, limit: Int, on connection: PostgresConnection) throws -> [StoredEvent] {
        let rows = try connection.query(selectEvents, [.text(id), .int(seq), .int(max(0, limit))],
                                        operation: "events(\(id), after: \(seq))")
        return rows.map { StoredEvent(seq: rows.int64($0, 0), queryId: rows.text($0, 1), type: rows.text($0, 2),
                                      json: rows.text($0, 3)) }
    }
}
