import Foundation
import Testing
@testable import AgentCore

/// The persistence backends the store contract runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }
}

/// A store opened through `StorePlace`: the session-level protocol plus what start-up and
/// shutdown use (recovery, close).
struct OpenStore: Sendable {
    let persistence: any SessionPersistence
    let recover: @Sendable (Date) async throws -> [RecoveredQuery]
    let close: @Sendable () async -> Void
}

/// Where one test's data lives, for either backend: a fresh SQLite file, or a fresh database
/// in the shared throwaway PostgreSQL cluster (or in a cluster of the test's own). Opening it
/// twice gives two stores on the same data, as a restarted process would have.
final class StorePlace: Sendable {
    let backend: Backend
    let maxEvents: Int
    private let directory: TemporaryDirectory?
    let postgresURL: String?

    init(_ backend: Backend, maxEvents: Int = 10_000, cluster: PostgresTestCluster? = nil,
         function: String = #function) async throws {
        self.backend = backend
        self.maxEvents = maxEvents
        switch backend {
        case .sqlite:
            directory = try TemporaryDirectory(function: function)
            postgresURL = nil
        case .postgresql:
            directory = nil
            let shared = if let cluster { cluster } else { try await PostgresTestCluster.shared() }
            postgresURL = try await shared.makeDatabase()
        }
    }

    var sqlitePath: String? { directory?.databasePath }

    var postgresConfiguration: PostgresSessionStore.Configuration? {
        postgresURL.map {
            PostgresSessionStore.Configuration(connection: PostgresConnectionSettings(url: $0, connectTimeoutSeconds: 2),
                                               poolSize: 3, maxEventsPerSession: maxEvents, healthProbeInterval: .zero)
        }
    }

    func open() async throws -> OpenStore {
        switch backend {
        case .sqlite:
            let store = try await SQLiteSnapshotStore(configuration: SQLiteSnapshotStore.Configuration(
                path: directory!.databasePath, maxEventsPerSession: maxEvents, busyTimeout: .seconds(2),
                healthProbeInterval: .zero))
            return OpenStore(persistence: SnapshotSessionPersistence(store: store),
                             recover: { try await store.recoverInterruptedQueries(now: $0) }, close: { await store.close() })
        case .postgresql:
            let store = try await PostgresSessionStore(configuration: postgresConfiguration!)
            return OpenStore(persistence: store, recover: { try await store.recoverInterruptedQueries(now: $0) },
                             close: { await store.close() })
        }
    }

    /// Opens a store, runs `body`, and closes the store whatever happens.
    func withStore<T>(_ body: (OpenStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// Runs SQL on the data directly (PostgreSQL: one statement, no parameters; the test's own
    /// constants only), e.g. to fake a newer schema.
    func rawSQL(_ sql: String) async throws {
        switch backend {
        case .sqlite:
            try await StoreFixtures.withRawConnection(directory!.databasePath) { try $0.execute(sql) }
        case .postgresql:
            let pool = PostgresPool(settings: PostgresConnectionSettings(url: postgresURL!), size: 1, name: "test-postgres")
            do {
                try await pool.perform("test") { try $0.execute(sql, operation: "test SQL") }
                await pool.stop()
            } catch {
                await pool.stop()
                throw error
            }
        }
    }

    /// The schema version the data carries now.
    func schemaVersion() async throws -> Int {
        switch backend {
        case .sqlite:
            return try await StoreFixtures.withRawConnection(directory!.databasePath) { try SchemaMigrator().version(of: $0) }
        case .postgresql:
            let pool = PostgresPool(settings: PostgresConnectionSettings(url: postgresURL!), size: 1, name: "test-postgres")
            do {
                let version = try await pool.perform("test") { try PostgresMigrator().version(of: $0) }
                await pool.stop()
                return version
            } catch {
                await pool.stop()
                throw error
            }
        }
    }

    var currentSchemaVersion: Int {
        backend == .sqlite ? SchemaMigration.currentVersion : PostgresMigration.currentVersion
    }
}

/// Builders for the session-level vocabulary the contract is written in.
enum Contract {
    static let start = StoreFixtures.start

    static func header(_ id: String, owner: String? = nil, createdAt: Date = start,
                       systemPrompt: String? = "be brief") -> SessionHeader {
        SessionHeader(id: id, owner: owner, createdAt: createdAt, systemPrompt: systemPrompt)
    }

    static func commit(_ id: String, history: HistoryChange = .unchanged, events: [StampedEvent] = [],
                       usage: SessionUsage = SessionUsage(), lastUsedAt: Date = start,
                       running: String? = nil) -> SessionCommit {
        SessionCommit(sessionId: id, history: history, events: events, usage: usage, lastUsedAt: lastUsedAt,
                      runningQueryId: running)
    }
}
