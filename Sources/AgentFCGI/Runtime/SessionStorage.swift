import AgentCore
import Foundation
import Logging

/// The one place that opens the session store the configuration chose (`storage.backend`) and
/// hands it on as `any SessionStore`; everything above it is backend-agnostic.
///
/// Threading: called from the main thread (through `blockingAwait`) at start-up and for
/// `--migrate`; the stores it opens run their I/O on threads of their own.
enum SessionStorage {
    /// Opens (and migrates) the store and closes queries a crash left running. Throws what kept
    /// it from opening; the caller logs it and exits.
    static func open(_ settings: StorageSettings, logger: Logger) throws -> any SessionStore {
        switch settings.backend {
        case .sqlite: return try openSQLite(settings, logger: logger)
        case .postgresql: return try openPostgres(settings, logger: logger)
        }
    }

    /// `agent-fcgi --migrate`: brings the schema up to date and says what was done.
    static func migrate(_ settings: StorageSettings) throws -> String {
        switch settings.backend {
        case .sqlite:
            let store = try blockingAwait {
                try await SQLiteSessionStore(settings: .init(path: settings.path,
                                                                 maxEventsPerSession: settings.eventsPerSession,
                                                              lease: settings.lease))
            }
            try blockingAwait { await store.close() }
            return "SQLite store \(settings.path): schema up to date"
        case .postgresql:
            let connection = try requiredConnection(settings)
            let (from, to) = try blockingAwait { try await PostgresSessionStore.migrate(connection) }
            return from == to ? "PostgreSQL store \(settings.location): schema already at v\(to), nothing to do"
                : "PostgreSQL store \(settings.location): schema migrated from v\(from) to v\(to)"
        }
    }

    private static func openSQLite(_ settings: StorageSettings, logger: Logger) throws -> any SessionStore {
        let store = try blockingAwait {
            try await SQLiteSessionStore(settings: .init(path: settings.path, maxEventsPerSession: settings.eventsPerSession,
                                                         lease: settings.lease))
        }
        let (recovered, work) = try recover(store) { (try await store.recoverInterruptedQueries(now: Date()),
                                                      try await store.statistics()) }
        logRecovered(recovered, logger: logger)
        // Counts, not times: start-up must not read sessions, so these stay the same however
        // many are stored (the durability tests compare them).
        logger.info("snapshot store ready", metadata: [
            "statements": "\(work.statementsRun)", "rows_read": "\(work.rowsReturned)",
            "full_scan_steps": "\(work.fullScanSteps)", "recovered": "\(recovered.count)"])
        logIntegrityCheck(of: store, logger: logger)
        return store
    }

    /// The store's integrity check runs in the background after start-up (docs/ARCHITECTURE.md
    /// §4.3); its outcome goes to the log when it ends. A poll of a mutex-guarded value ten times
    /// a second, only while the check runs: the check has no other way to reach the logger.
    private static func logIntegrityCheck(of store: SQLiteSessionStore, logger: Logger) {
        Task.detached {
            var report = store.integrityCheck
            while report.state == .running {
                try? await Task.sleep(for: .milliseconds(100))
                report = store.integrityCheck
            }
            let seconds = String(format: "%.2f", report.durationSeconds ?? 0)
            switch report.state {
            case .passed:
                logger.info("store integrity check passed", metadata: ["seconds": "\(seconds)"])
            case .failed:
                logger.error("store integrity check failed; new queries are refused (503) until the file is restored",
                             metadata: ["problem": "\(report.problem ?? "")", "seconds": "\(seconds)"])
            case .running, .interrupted:
                break
            }
        }
    }

    private static func openPostgres(_ settings: StorageSettings, logger: Logger) throws -> any SessionStore {
        let storeSettings = PostgresSessionStore.Settings(connection: try requiredConnection(settings),
                                                              poolSize: settings.poolSize,
                                                              maxEventsPerSession: settings.eventsPerSession,
                                                              lease: settings.lease)
        let store = try blockingAwait { try await PostgresSessionStore(settings: storeSettings) }
        let recovered = try recover(store) { try await store.recoverInterruptedQueries(now: Date()) }
        logRecovered(recovered, logger: logger)
        logger.info("PostgreSQL store ready", metadata: [
            "url": "\(settings.location)", "pool_size": "\(settings.poolSize)",
            "schema": "v\(PostgresSessionStore.schemaVersion)", "recovered": "\(recovered.count)",
            "instance_id": "\(settings.instanceId)", "lease_seconds": "\(settings.leaseSeconds)"])
        return store
    }

    /// Runs start-up recovery; a store that fails it is closed before the error goes up, so
    /// no connection or thread outlives the failed start.
    private static func recover<T: Sendable>(_ store: any SessionStore,
                                             _ work: @escaping @Sendable () async throws -> T) throws -> T {
        do {
            return try blockingAwait { try await work() }
        } catch {
            try? blockingAwait { await store.close() }
            throw error
        }
    }

    private static func requiredConnection(_ settings: StorageSettings) throws -> PostgresConnectionSettings {
        guard let connection = settings.postgresConnection else {
            throw ConfigurationError(source: "configuration", key: "storage.url",
                                     reason: "required with storage.backend: postgresql")
        }
        return connection
    }

    private static func logRecovered(_ recovered: [RecoveredQuery], logger: Logger) {
        for query in recovered {
            logger.warning("query was running when the process stopped; marked interrupted",
                           metadata: ["session_id": "\(query.sessionId)", "query_id": "\(query.queryId)"])
        }
    }
}
