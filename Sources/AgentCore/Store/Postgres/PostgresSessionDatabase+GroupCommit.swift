import Foundation

/// Group commit: the writes queued at one moment, in one transaction (`GroupCommitQueue`): turn
/// commits, and the session creations and query starts that come with a query, so that
/// sixteen queries at once cost a few transactions (and WAL flushes) instead of one per write.
extension PostgresSessionDatabase {
    /// One queued turn commit: the session it goes to and the commit, encoded.
    struct QueuedCommit: Sendable {
        var sessionId: String
        var commit: EncodedCommit
    }

    /// A query start (`SessionStore.beginQuery`), its inputs encoded.
    struct QueuedBegin: Sendable {
        var sessionId: String
        var queryId: String
        var titleJSON: String?
        var lease: LeaseSettings
        var now: Date
        var maxEvents: Int
    }

    /// What the group commit queue holds; each resolves to an `Int64` (a version; 0 for a create).
    enum QueuedWrite: Sendable {
        case turn(QueuedCommit)
        case begin(QueuedBegin)
        case create(EncodedHeader)

        var sessionId: String {
            switch self {
            case .turn(let item): item.sessionId
            case .begin(let item): item.sessionId
            case .create(let header): header.id
            }
        }

        /// The name of the store operation, for errors.
        var operation: String {
            switch self {
            case .turn(let item): "commitTurn(\(item.sessionId))"
            case .begin(let item): "beginQuery(\(item.sessionId), \(item.queryId))"
            case .create(let header): "createSession(\(header.id))"
            }
        }
    }

    /// Every row of the batch locked in one statement, in id order, so two batches on two pool
    /// threads always lock in the same order and cannot deadlock each other.
    static let lockForGroupCommit = S("group_commit_lock", """
        SELECT id, message_count, last_seq, event_count, version, running_query_id, lease_owner,
            coalesce(watched_until >= extract(epoch FROM clock_timestamp()), false)
        FROM sessions WHERE id IN (SELECT json_array_elements_text($1::json)) ORDER BY id FOR UPDATE
        """)
    /// Several creations in one statement, in the order the session-count trigger locks its
    /// rows (`session_counts_shard`, then id): two batches creating sessions of the same shards
    /// then take those rows in the same order and cannot deadlock. Returns the ids inserted.
    static let createMany = S("session_create_many", """
        INSERT INTO sessions (id, owner, created_at, last_used_at, system_prompt_json, usage, cleared_usage, model,
            running_query_id, title_json, lease_owner, lease_expires_at, version)
        SELECT c.id, c.owner, c.created_at, c.created_at, c.system_prompt_json, c.usage, c.usage, c.model,
            c.query_id, c.title_json, c.lease_owner,
            CASE WHEN c.query_id IS NULL THEN NULL ELSE extract(epoch FROM clock_timestamp()) + c.lease_seconds END,
            CASE WHEN c.query_id IS NULL THEN 1 ELSE 2 END
        FROM json_to_recordset($1::json)
            AS c (id text, owner text, created_at double precision, system_prompt_json text, usage text, model text,
                  query_id text, title_json text, lease_owner text, lease_seconds double precision)
        ORDER BY session_counts_shard(c.id), c.id
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """)
    /// A query start on a row this transaction locked and found idle.
    static let beginLocked = S("begin_locked", """
        UPDATE sessions SET running_query_id = $2, title_json = coalesce(title_json, $3), lease_owner = $4,
            lease_expires_at = extract(epoch FROM clock_timestamp()) + $5, version = version + 1
        WHERE id = $1
        """)

    /// Writes `batch` in ONE transaction and two round trips however many writes it holds
    /// (one when it only creates sessions): BEGIN and lock every existing row it writes; then
    /// every write's statements (a commit's with its NOTIFY, as a lone commit sends it) and
    /// COMMIT, pipelined. Returns one result per write, in order: the session's new version for
    /// a commit, the version before for a start, 0 for a create. A commit that does not fit its
    /// row (unknown session, lease lost, history gap, seq not increasing) is found before
    /// anything is sent, left out and reports its error; a create whose id is taken reports
    /// `sessionExists`; the others are written. Writes to one session apply in order, each
    /// against the state the one before left. A start on a session marked running (held
    /// elsewhere, or a dead query to close first) is run alone after the COMMIT, as a lone
    /// start would be.
    ///
    /// Should the server refuse a statement (nothing this store sends should be refused), the
    /// transaction is rolled back and every write made again in a transaction of its own, so
    /// each caller gets exactly the outcome a lone write would have. Connection loss and
    /// conflicts are thrown for all: `PostgresPool` retries the whole batch when that is safe.
    static func commit(batch: [QueuedWrite], maxEvents: Int, notifyAs instance: String?,
                       on connection: PostgresConnection) throws -> [Result<Int64, any Error>] {
        if batch.count == 1 {
            return [.success(try alone(batch[0], maxEvents: maxEvents, notifyAs: instance, on: connection))]
        }
        let operation = "groupCommit in one transaction with \(batch.count - 1) other writes"
        var locking: Set<String> = []
        for item in batch {
            if case .create = item { continue }
            locking.insert(item.sessionId)
        }
        var counters: [String: CommitCounters] = [:]
        var steps: [PostgresPipelineStep] = []
        if locking.isEmpty {
            steps.append(.command("BEGIN"))
        } else {
            let locked = try connection.pipeline([.command("BEGIN"),
                                                  .prepared(lockForGroupCommit, [.text(stringsJSON(locking.sorted()))])],
                                                 operation: operation)[1]
            for row in 0..<locked.count {
                counters[locked.text(row, 0)] = CommitCounters(locked, row: row, first: 1)
            }
        }
        var notices = 0
        var results: [Result<Int64, any Error>?] = []
        /// The creations, by index in `batch`, written by one statement (`createMany`).
        var creates: [Int: EncodedHeader] = [:]
        var later: [Int] = []
        for (index, item) in batch.enumerated() {
            switch item {
            case .create(let header):
                if creates.values.contains(where: { $0.id == header.id }) {
                    results.append(.failure(StoreError.sessionExists(header.id)))
                } else {
                    creates[index] = header
                    results.append(.success(header.result))
                }
            case .begin(let start):
                guard let stored = counters[start.sessionId], stored.runningQueryId == nil else {
                    later.append(index)
                    results.append(nil)
                    continue
                }
                steps.append(.prepared(beginLocked, [.text(start.sessionId), .text(start.queryId), .optionalText(start.titleJSON),
                                                     .text(start.lease.owner), .double(start.lease.duration.inSeconds)]))
                var after = stored
                after.version += 1
                after.runningQueryId = start.queryId
                after.leaseOwner = start.lease.owner
                counters[start.sessionId] = after
                results.append(.success(stored.version))
            case .turn(let turn):
                guard let stored = counters[turn.sessionId] else {
                    results.append(.failure(StoreError.sessionNotFound(turn.sessionId)))
                    continue
                }
                do {
                    let (itemSteps, after, itemNotices) = try plan(turn.commit, to: turn.sessionId, stored: stored,
                                                                   maxEvents: maxEvents, notifyAs: instance)
                    steps += itemSteps
                    notices += itemNotices
                    counters[turn.sessionId] = after
                    results.append(.success(after.version))
                } catch {
                    results.append(.failure(error))
                }
            }
        }
        let createStep = steps.count
        if !creates.isEmpty {
            steps.append(.prepared(createMany, [.text(headersJSON(creates.sorted { $0.key < $1.key }.map(\.value)))]))
        }
        let written: [PostgresRows]
        do {
            written = try connection.pipeline(steps + [.command("COMMIT")], operation: operation)
        } catch {
            if error.connectionLost || error.isRetryableConflict { throw error }
            connection.rollbackIfNeeded()
            return batch.map { item in aloneResult(item, maxEvents: maxEvents, notifyAs: instance, on: connection) }
        }
        for _ in 0..<notices { StoreNotifyMetrics.sent(.events) }
        if !creates.isEmpty {
            let inserted = written[createStep]
            let ids = Set(inserted.map { inserted.text($0, 0) })
            for (index, header) in creates where !ids.contains(header.id) {
                results[index] = .failure(StoreError.sessionExists(header.id))
            }
        }
        for index in later {
            results[index] = aloneResult(batch[index], maxEvents: maxEvents, notifyAs: instance, on: connection)
        }
        return results.map { $0 ?? .failure(StoreError.closed) }
    }

    /// Creations as the JSON array `createMany` reads.
    static func headersJSON(_ headers: [EncodedHeader]) -> String {
        func optional(_ text: String?, _ output: inout String) {
            if let text { JSONValue.writeString(text, to: &output) } else { output += "null" }
        }
        var output = "["
        for (index, header) in headers.enumerated() {
            if index > 0 { output += "," }
            output += "{\"id\":"
            JSONValue.writeString(header.id, to: &output)
            output += ",\"owner\":"
            optional(header.owner, &output)
            // Swift prints the shortest text that reads back as the same double.
            output += ",\"created_at\":\(header.createdAt),\"system_prompt_json\":"
            optional(header.systemPromptJSON, &output)
            output += ",\"usage\":"
            JSONValue.writeString(header.usageJSON, to: &output)
            output += ",\"model\":"
            optional(header.model, &output)
            if let start = header.start {
                output += ",\"query_id\":"
                JSONValue.writeString(start.queryId, to: &output)
                output += ",\"title_json\":"
                optional(start.titleJSON, &output)
                output += ",\"lease_owner\":"
                JSONValue.writeString(start.lease.owner, to: &output)
                output += ",\"lease_seconds\":\(start.lease.duration.inSeconds)"
            }
            output += "}"
        }
        return output + "]"
    }

    /// One write in a transaction of its own, as the store makes it when nothing else is queued.
    private static func alone(_ item: QueuedWrite, maxEvents: Int, notifyAs instance: String?,
                              on connection: PostgresConnection) throws -> Int64 {
        switch item {
        case .turn(let turn):
            return try commit(turn.commit, to: turn.sessionId, maxEvents: maxEvents, notifyAs: instance, on: connection)
        case .begin(let start):
            return try begin(start.queryId, in: start.sessionId, titleJSON: start.titleJSON, lease: start.lease,
                             now: start.now, maxEvents: start.maxEvents, on: connection)
        case .create(let header):
            try create(header, on: connection)
            return header.result
        }
    }

    private static func aloneResult(_ item: QueuedWrite, maxEvents: Int, notifyAs instance: String?,
                                    on connection: PostgresConnection) -> Result<Int64, any Error> {
        do {
            return .success(try alone(item, maxEvents: maxEvents, notifyAs: instance, on: connection))
        } catch {
            connection.rollbackIfNeeded()
            return .failure(error)
        }
    }
}
