import Foundation

/// `SessionPersistence` on PostgreSQL, for responders that share one store. Every libpq call
/// runs on a `PostgresPool` thread; JSON encoding and decoding happen in the caller's task.
///
/// Semantics match the SQLite store's: each write is one transaction (all or nothing), seqs
/// only grow, the event log keeps the newest `maxEventsPerSession`, and a query marked running
/// when its process died is closed by `recoverInterruptedQueries`.
public final class PostgresSessionStore: SessionPersistence {
    public let configuration: Configuration
    let pool: PostgresPool
    private let healthState = StoreHealthState()

    /// Connects and brings the schema up to date (under an advisory lock, so responders starting
    /// together migrate once). Throws `StoreError.schemaTooNew` for a database written by a
    /// newer agent-fcgi, or the `PostgresError` that kept it from connecting.
    public convenience init(configuration: Configuration) async throws {
        try await self.init(configuration: configuration, migrations: PostgresMigration.all)
    }

    init(configuration: Configuration, migrations: [PostgresMigration]) async throws {
        self.configuration = configuration
        pool = PostgresPool(settings: configuration.connection, size: configuration.poolSize)
        do {
            _ = try await pool.perform("migrate") { try PostgresMigrator(migrations: migrations).migrate($0) }
        } catch {
            await pool.stop()
            throw error
        }
    }

    /// `agent-fcgi --migrate`: applies missing migrations and returns the versions before and after.
    public static func migrate(_ settings: PostgresConnectionSettings) async throws -> (from: Int, to: Int) {
        let pool = PostgresPool(settings: settings, size: 1, name: "postgres-migrate")
        do {
            let versions = try await pool.perform("migrate") { try PostgresMigrator().migrate($0) }
            await pool.stop()
            return versions
        } catch {
            await pool.stop()
            throw error
        }
    }

    /// Finishes queued work and closes the connections; later calls throw `StoreError.closed`.
    public func close() async {
        await pool.stop()
    }

    // MARK: SessionPersistence

    public func createSession(_ header: SessionHeader) async throws {
        let encoded = PostgresSessionDatabase.EncodedHeader(
            id: header.id, owner: header.owner, createdAt: header.createdAt.timeIntervalSince1970,
            systemPromptJSON: try header.systemPrompt.map { try Self.encode($0, sessionId: header.id, what: "system prompt") },
            usageJSON: try Self.encode(SessionUsage(), sessionId: header.id, what: "usage"))
        try await write("createSession(\(header.id))") { try PostgresSessionDatabase.create(encoded, on: $0) }
    }

    public func loadSession(id: String) async throws -> PersistedSession? {
        guard let (row, messages) = try await read("loadSession(\(id))", { try PostgresSessionDatabase.load(id, on: $0) }) else { return nil }
        let decoder = JSONDecoder()
        let history = try messages.enumerated().map { index, json in
            do {
                return try decoder.decode(ChatMessage.self, from: Data(json.utf8))
            } catch {
                throw StoreError.undecodable(sessionId: id, what: "message \(index)", details: "\(error)")
            }
        }
        return PersistedSession(header: try Self.header(row), lastUsedAt: Date(timeIntervalSince1970: row.lastUsedAt),
                                history: history, usage: try Self.usage(row), lastSeq: row.lastSeq)
    }

    public func beginQuery(sessionId: String, queryId: String, at time: Date) async throws {
        try await write("beginQuery(\(sessionId), \(queryId))") { try PostgresSessionDatabase.markRunning(queryId, in: sessionId, on: $0) }
    }

    public func commit(_ commit: SessionCommit) async throws {
        let started = ContinuousClock.now
        do {
            let encoded = try Self.encode(commit)
            let maxEvents = max(1, configuration.maxEventsPerSession)
            try await write("commit(\(commit.sessionId))") { try PostgresSessionDatabase.commit(encoded, maxEvents: maxEvents, on: $0) }
        } catch {
            AgentMetrics.storeCommit(outcome: "error", started: started)
            throw error
        }
        AgentMetrics.storeCommit(outcome: "ok", started: started)
    }

    public func deleteSession(id: String) async throws {
        _ = try await write("deleteSession(\(id))") { try PostgresSessionDatabase.delete(id, on: $0) }
    }

    public func listSessions(owner: String?, limit: Int, after cursor: String?) async throws -> SessionListPage {
        var position: SessionCursor?
        if let cursor {
            guard let parsed = SessionCursor(token: cursor) else { throw SessionError.invalidCursor(cursor) }
            position = parsed
        }
        let start = position
        let (rows, hasMore) = try await read("listSessions") { try PostgresSessionDatabase.list(owner: owner, limit: limit, after: start, on: $0) }
        let summaries = rows.map {
            SessionSummary(id: $0.id, owner: $0.owner, createdAt: Date(timeIntervalSince1970: $0.createdAt),
                           lastUsedAt: Date(timeIntervalSince1970: $0.lastUsedAt), messageCount: $0.messageCount)
        }
        let next: String? = hasMore ? rows.last.map {
            SessionCursor(after: SessionRecord(id: $0.id, owner: $0.owner, createdAt: Date(timeIntervalSince1970: $0.createdAt),
                                               systemPrompt: nil)).token
        } : nil
        return SessionListPage(sessions: summaries, nextCursor: next)
    }

    public func countSessions(owner: String?, allOwners: Bool) async throws -> Int {
        try await read("countSessions") { try PostgresSessionDatabase.count(owner: owner, allOwners: allOwners, on: $0) }
    }

    public func events(sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read("events(\(sessionId), after: \(seq))") { try PostgresSessionDatabase.events(of: sessionId, after: seq, limit: limit, on: $0) }
    }

    public func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String] {
        let excluded = PostgresSessionDatabase.stringsJSON(excluding.sorted())
        return try await write("expireSessions") { try PostgresSessionDatabase.expire(idleBefore: cutoff, excludingJSON: excluded, on: $0) }
    }

    /// Re-probes with a real write at most once per probe interval; in between, the last result.
    public func writeProblem() async -> String? {
        if healthState.claimProbe(interval: configuration.healthProbeInterval) {
            do {
                let now = Date()
                try await write("health probe") { try PostgresSessionDatabase.probe(at: now, on: $0) }
            } catch {
                // `write` recorded a storage failure; anything else is no reason to refuse queries.
            }
        }
        if case .degraded(let reason) = healthState.current { return reason }
        return nil
    }

    /// The last known state, without I/O.
    public var health: StoreHealth {
        healthState.current
    }

    /// At start-up: closes queries that were running when their process died (see
    /// `SnapshotStore.recoverInterruptedQueries`). Until leases arrive, every responder on
    /// the database would close the others' running queries, so one responder per database.
    public func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery] {
        let maxEvents = max(1, configuration.maxEventsPerSession)
        return try await write("recoverInterruptedQueries") { try PostgresSessionDatabase.recoverInterruptedQueries(now: now, maxEvents: maxEvents, on: $0) }
    }

    // MARK: Plumbing

    /// Reads: a storage failure degrades health (the database is gone); success proves
    /// nothing about writes, so it does not restore it.
    private func read<T: Sendable>(_ operation: String, _ work: @escaping @Sendable (PostgresConnection) throws -> T)
        async throws -> T {
        do {
            return try await pool.perform(operation, idempotent: true, work)
        } catch {
            recordFailure(error)
            throw error
        }
    }

    /// Writes keep `health` in step with the outcome: a storage failure degrades, success restores.
    private func write<T: Sendable>(_ operation: String, _ work: @escaping @Sendable (PostgresConnection) throws -> T)
        async throws -> T {
        do {
            let result = try await pool.perform(operation, work)
            healthState.recordSuccess()
            return result
        } catch {
            recordFailure(error)
            throw error
        }
    }

    private func recordFailure(_ error: any Error) {
        guard let error = error as? PostgresError, error.isStorageFailure else { return }
        healthState.recordFailure(error.description)
    }

    private static func encode(_ commit: SessionCommit) throws -> PostgresSessionDatabase.EncodedCommit {
        let encoder = JSONEncoder()
        var from: Int?
        var messages: [ChatMessage] = []
        switch commit.history {
        case .unchanged: break
        case .append(let index, let appended): (from, messages) = (index, appended)
        case .replace(let all): (from, messages) = (0, all)
        }
        let messageJSON = try messages.map { try encode($0, sessionId: commit.sessionId, what: "message", encoder: encoder) }
        return PostgresSessionDatabase.EncodedCommit(
            sessionId: commit.sessionId, historyFrom: from, messagesJSON: PostgresSessionDatabase.stringsJSON(messageJSON),
            messageCount: messages.count, events: commit.events.map(StoredEvent.init),
            usageJSON: try encode(commit.usage, sessionId: commit.sessionId, what: "usage", encoder: encoder),
            lastUsedAt: commit.lastUsedAt.timeIntervalSince1970, runningQueryId: commit.runningQueryId)
    }

    private static func encode<T: Encodable>(_ value: T, sessionId: String, what: String,
                                             encoder: JSONEncoder = JSONEncoder()) throws -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError.undecodable(sessionId: sessionId, what: what, details: "cannot encode: \(error)")
        }
    }

    private static func header(_ row: PostgresSessionRow) throws -> SessionHeader {
        var prompt: String?
        if let json = row.systemPromptJSON {
            do {
                prompt = try JSONDecoder().decode(String.self, from: Data(json.utf8))
            } catch {
                throw StoreError.undecodable(sessionId: row.id, what: "system prompt", details: "\(error)")
            }
        }
        return SessionHeader(id: row.id, owner: row.owner, createdAt: Date(timeIntervalSince1970: row.createdAt),
                             systemPrompt: prompt)
    }

    private static func usage(_ row: PostgresSessionRow) throws -> SessionUsage {
        do {
            return try JSONDecoder().decode(SessionUsage.self, from: Data(row.usageJSON.utf8))
        } catch {
            throw StoreError.undecodable(sessionId: row.id, what: "usage", details: "\(error)")
        }
    }
}
