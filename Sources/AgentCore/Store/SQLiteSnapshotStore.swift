// The snapshot store talks to libsqlite3 directly through the CSQLite shim rather than GRDB:
// the project keeps its dependency set small, and the store needs only a thin wrapper
// (prepared statements, transactions, typed errors) around a connection it confines to one
// thread anyway.
import Foundation

/// `SnapshotStore` on one SQLite file in WAL mode. Every SQLite call runs on one dedicated
/// thread (`SQLiteThread`); callers await. JSON encoding and decoding happen in the caller's
/// task, so the SQLite thread does only SQLite work.
public final class SQLiteSnapshotStore: SnapshotStore {
    public let configuration: Configuration
    let thread: SQLiteThread<SnapshotDatabase>
    private let healthState = StoreHealthState()

    /// Opens (creating when missing), runs `PRAGMA quick_check` and migrates. Does not read
    /// sessions: opening costs the same for an empty store and a huge one, apart from the
    /// integrity check. Throws `StoreError.corrupt`, `.schemaTooNew` or a storage failure.
    public convenience init(configuration: Configuration) async throws {
        try await self.init(configuration: configuration, migrations: SchemaMigration.all)
    }

    init(configuration: Configuration, migrations: [SchemaMigration]) async throws {
        self.configuration = configuration
        let path = configuration.path
        let timeout = configuration.busyTimeout.components
        let busyMilliseconds = Int(timeout.seconds) * 1000 + Int(timeout.attoseconds / 1_000_000_000_000_000)
        let maxEvents = configuration.maxEventsPerSession
        thread = try await SQLiteThread(name: "sqlite") {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            return try SnapshotDatabase(path: path, busyTimeoutMilliseconds: busyMilliseconds,
                                        maxEventsPerSession: maxEvents, migrations: migrations)
        }
        if try await thread.perform({ $0.connection.isReadOnly }) {
            recordFailure(.readOnly(path: path))
        }
    }

    public func close() async {
        await thread.stop { $0.close() }
    }

    // MARK: Sessions

    public func createSession(_ record: SessionRecord) async throws {
        let usageJSON = try Self.encode(record.usage, sessionId: record.id, what: "usage")
        try await write("createSession(\(record.id))") { try $0.createSession(record, usageJSON: usageJSON) }
    }

    public func loadSession(_ id: String) async throws -> StoredSession? {
        guard let (row, messages) = try await read("loadSession(\(id))", { try $0.loadSession(id) }) else { return nil }
        let decoder = JSONDecoder()
        let history = try messages.enumerated().map { index, json in
            do {
                return try decoder.decode(ChatMessage.self, from: Data(json.utf8))
            } catch {
                throw StoreError.undecodable(sessionId: id, what: "message \(index)", details: "\(error)")
            }
        }
        return StoredSession(record: try Self.record(row), messages: history)
    }

    public func sessionRecord(_ id: String) async throws -> SessionRecord? {
        try await read("sessionRecord(\(id))") { try $0.session(id) }.map(Self.record)
    }

    @discardableResult
    public func touchSession(_ id: String, at date: Date) async throws -> Bool {
        try await write("touchSession(\(id))") { try $0.touchSession(id, at: date) }
    }

    @discardableResult
    public func clearSession(_ id: String, at date: Date) async throws -> Bool {
        let usageJSON = try Self.encode(SessionUsage(), sessionId: id, what: "usage")
        return try await write("clearSession(\(id))") { try $0.clearSession(id, usageJSON: usageJSON, at: date) }
    }

    @discardableResult
    public func deleteSession(_ id: String) async throws -> Bool {
        try await write("deleteSession(\(id))") { try $0.deleteSession(id) }
    }

    public func listSessions(in scope: SessionScope, limit: Int, after cursor: SessionCursor?) async throws -> SessionPage {
        let (rows, hasMore) = try await read("listSessions") { try $0.listSessions(in: scope, limit: limit, after: cursor) }
        let records = try rows.map(Self.record)
        return SessionPage(sessions: records, nextCursor: hasMore ? records.last.map(SessionCursor.init(after:)) : nil)
    }

    public func countSessions(in scope: SessionScope) async throws -> Int {
        try await read("countSessions") { try $0.countSessions(in: scope) }
    }

    public func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String] {
        try await write("expireSessions") { try $0.expireSessions(idleBefore: cutoff, excluding: excluding) }
    }

    // MARK: Steps, events, queries

    public func commitStep(_ commit: StepCommit, to sessionId: String) async throws {
        let encoder = JSONEncoder()
        let messages = try (commit.history?.messages ?? []).map {
            try Self.encode($0, sessionId: sessionId, what: "message", encoder: encoder)
        }
        let encoded = SnapshotDatabase.EncodedCommit(
            historyFrom: commit.history?.from, messages: messages, events: commit.events.map(StoredEvent.init),
            usageJSON: try commit.usage.map { try Self.encode($0, sessionId: sessionId, what: "usage", encoder: encoder) },
            lastUsedAt: commit.lastUsedAt, query: commit.query)
        try await write("commitStep(\(sessionId))") { try $0.commit(encoded, to: sessionId) }
    }

    public func appendEvents(_ events: [StampedEvent], to sessionId: String, lastUsedAt: Date?) async throws {
        let encoded = SnapshotDatabase.EncodedCommit(historyFrom: nil, messages: [], events: events.map(StoredEvent.init),
                                                     usageJSON: nil, lastUsedAt: lastUsedAt, query: .unchanged)
        try await write("appendEvents(\(sessionId))") { try $0.commit(encoded, to: sessionId) }
    }

    public func beginQuery(_ queryId: String, in sessionId: String) async throws {
        try await write("beginQuery(\(sessionId), \(queryId))") { try $0.markRunningQuery(queryId, in: sessionId) }
    }

    public func endQuery(in sessionId: String) async throws {
        try await write("endQuery(\(sessionId))") { try $0.markRunningQuery(nil, in: sessionId) }
    }

    public func events(of sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read("events(\(sessionId), after: \(seq))") { try $0.events(of: sessionId, after: seq, limit: limit) }
    }

    public func recoverInterruptedQueries(now: Date) async throws -> [RecoveredQuery] {
        try await write("recoverInterruptedQueries") { try $0.recoverInterruptedQueries(now: now) }
    }

    // MARK: Health

    public var health: StoreHealth {
        healthState.current
    }

    public func checkHealth() async -> StoreHealth {
        guard healthState.claimProbe(interval: configuration.healthProbeInterval) else { return health }
        let degraded = health != .healthy
        do {
            // A real write, healthy or not: a file made read-only while open shows only when
            // something is written. A degraded store must prove a growing write works before
            // it is trusted again. Throttled above: at most one small transaction per interval.
            try await thread.perform { try $0.probeWrite(growing: degraded) }
            healthState.recordSuccess()
        } catch {
            recordFailure(Self.storeError(error, operation: "health probe"))
        }
        return health
    }

    // MARK: Plumbing

    private func read<T: Sendable>(_ operation: String, _ work: @escaping @Sendable (SnapshotDatabase) throws -> T)
        async throws -> T {
        do {
            return try await thread.perform(work)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Runs a write, refusing it when the file is gone, and keeps `health` in step with the
    /// outcome: a storage failure degrades, any success restores.
    private func write<T: Sendable>(_ operation: String, _ work: @escaping @Sendable (SnapshotDatabase) throws -> T)
        async throws -> T {
        do {
            let result = try await thread.perform { database in
                try database.checkFilePresent()
                return try work(database)
            }
            healthState.recordSuccess()
            return result
        } catch {
            let storeError = Self.storeError(error, operation: operation)
            recordFailure(storeError)
            throw storeError
        }
    }

    private func recordFailure(_ error: StoreError) {
        guard error.isStorageFailure else { return }
        healthState.recordFailure(error.description)
    }

    private static func storeError(_ error: any Error, operation: String) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let error as SQLiteError: return StoreError(error, operation: operation)
        default: return .sqlite(operation: operation, code: -1, message: "\(error)", sql: nil, storageFailure: false)
        }
    }

    private static func encode<T: Encodable>(_ value: T, sessionId: String, what: String,
                                             encoder: JSONEncoder = JSONEncoder()) throws -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError.undecodable(sessionId: sessionId, what: what, details: "cannot encode: \(error)")
        }
    }

    private static func record(_ row: SessionRow) throws -> SessionRecord {
        let usage: SessionUsage
        do {
            usage = try JSONDecoder().decode(SessionUsage.self, from: Data(row.usageJSON.utf8))
        } catch {
            throw StoreError.undecodable(sessionId: row.id, what: "usage", details: "\(error)")
        }
        return SessionRecord(id: row.id, owner: row.owner, createdAt: Date(timeIntervalSince1970: row.createdAt),
                             lastUsedAt: Date(timeIntervalSince1970: row.lastUsedAt), systemPrompt: row.systemPrompt,
                             usage: usage, messageCount: row.messageCount, lastSeq: row.lastSeq,
                             runningQueryId: row.runningQueryId, model: row.model)
    }
}
