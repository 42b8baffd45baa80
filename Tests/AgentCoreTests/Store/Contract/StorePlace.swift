import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

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

    private init(_ backend: Backend, maxEvents: Int, directory: TemporaryDirectory?, postgresURL: String?) {
        self.backend = backend
        self.maxEvents = maxEvents
        self.directory = directory
        self.postgresURL = postgresURL
    }

    /// The data as a crash of `crashed` (a store open on this place, never closed) leaves it,
    /// for the restarted process. SQLite holds its file exclusively while open, so the files
    /// are copied as they are (the database and its WAL; the WAL index lives in the dead
    /// process's memory). PostgreSQL has no such lock: the restarted process opens the same
    /// database while the crashed store's connections are still up, as after a real crash
    /// the server keeps the dead process's connections until it notices.
    func afterCrash(function: String = #function) throws -> StorePlace {
        guard let directory else {
            return StorePlace(backend, maxEvents: maxEvents, directory: nil, postgresURL: postgresURL)
        }
        let copy = try TemporaryDirectory(function: function)
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: directory.databasePath + suffix, toPath: copy.databasePath + suffix)
        }
        return StorePlace(backend, maxEvents: maxEvents, directory: copy, postgresURL: nil)
    }

    var sqlitePath: String? { directory?.databasePath }

    var postgresSettings: PostgresSessionStore.Settings? {
        postgresURL.map {
            PostgresSessionStore.Settings(connection: PostgresConnectionSettings(url: $0, connectTimeoutSeconds: 2),
                                               poolSize: 3, maxEventsPerSession: maxEvents, healthProbeInterval: .zero)
        }
    }

    func open() async throws -> any SessionStore {
        switch backend {
        case .sqlite:
            return try await SQLiteSessionStore(settings: SQLiteSessionStore.Settings(
                path: directory!.databasePath, maxEventsPerSession: maxEvents, busyTimeout: .seconds(2),
                healthProbeInterval: .zero))
        case .postgresql:
            return try await PostgresSessionStore(settings: postgresSettings!)
        }
    }

    /// Opens a store, runs `body`, and closes the store whatever happens.
    func withStore<T>(_ body: (any SessionStore) async throws -> T) async throws -> T {
        try await open().closing { try await body($0) }
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
