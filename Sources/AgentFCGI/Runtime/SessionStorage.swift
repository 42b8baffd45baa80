import AgentCore
import Foundation
import Logging

/// The opened session store, whichever backend the configuration chose, as the runtime uses
/// it: the persistence the sessions write through, its health for `/health` and `/status`,
/// and closing at shutdown.
///
/// Threading: created and closed from the main thread (through `blockingAwait`); the stores
/// behind it run their I/O on threads of their own.
struct SessionStorage: Sendable {
    let persistence: any SessionPersistence
    let settings: StorageSettings
    let probedHealth: @Sendable () async -> StoreHealthReport
    let close: @Sendable () async -> Void

    /// Opens (and migrates) the store and closes queries a crash left running. Throws what kept
    /// it from opening; the caller logs it and exits.
    static func open(_ settings: StorageSettings, logger: Logger) throws -> SessionStorage {
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
                try await SQLiteSnapshotStore(configuration: .init(path: settings.path,
                                                                   maxEventsPerSession: settings.eventsPerSession))
            }
            try blockingAwait { await store.close() }
            return "SQLite store \(settings.path): schema up to date"
        case .postgresql:
            guard let connection = settings.postgresConnection else { return "no storage.url" }
            let (from, to) = try blockingAwait { try await PostgresSessionStore.migrate(connection) }
            return from == to ? "PostgreSQL store \(settings.location): schema already at v\(to), nothing to do"
                : "PostgreSQL store \(settings.location): schema migrated from v\(from) to v\(to)"
        }
    }

    private static func openSQLite(_ settings: StorageSettings, logger: Logger) throws -> SessionStorage {
        let store = try blockingAwait {
            try await SQLiteSnapshotStore(configuration: .init(path: settings.path, maxEventsPerSession: settings.eventsPerSession))
        }
        let (recovered, work) = try blockingAwait {
            (try await store.recoverInterruptedQueries(now: Date()), try await store.statistics())
        }
        logRecovered(recovered, logger: logger)
        // Counts, not times: start-up must not read sessions, so these stay the same however
        // many are stored (the durability tests compare them).
        logger.info("snapshot store ready", metadata: [
            "statements": "\(work.statementsRun)", "rows_read": "\(work.rowsReturned)",
            "full_scan_steps": "\(work.fullScanSteps)", "recovered": "\(recovered.count)"])
        return SessionStorage(persistence: SnapshotSessionPersistence(store: store), settings: settings,
                              probedHealth: { await store.probedHealthReport() }, close: { await store.close() })
    }

    private static func openPostgres(_ settings: StorageSettings, logger: Logger) throws -> SessionStorage {
        guard let connection = settings.postgresConnection else {
            throw ConfigurationError(source: "configuration", key: "storage.url", reason: "required with storage.backend: postgresql")
        }
        let configuration = PostgresSessionStore.Configuration(connection: connection, poolSize: settings.poolSize,
                                                               maxEventsPerSession: settings.eventsPerSession)
        let store = try blockingAwait { try await PostgresSessionStore(configuration: configuration) }
        let recovered: [RecoveredQuery]
        do {
            recovered = try blockingAwait { try await store.recoverInterruptedQueries(now: Date()) }
        } catch {
            try? blockingAwait { await store.close() }
            throw error
        }
        logRecovered(recovered, logger: logger)
        logger.info("PostgreSQL store ready", metadata: [
            "url": "\(settings.location)", "pool_size": "\(settings.poolSize)",
            "schema": "v\(PostgresSessionStore.schemaVersion)", "recovered": "\(recovered.count)"])
        return SessionStorage(persistence: store, settings: settings, probedHealth: {
            let problem = await store.writeProblem()
            return StoreHealthReport(writable: problem == nil, problem: problem)
        }, close: { await store.close() })
    }

    private static func logRecovered(_ recovered: [RecoveredQuery], logger: Logger) {
        for query in recovered {
            logger.warning("query was running when the process stopped; marked interrupted",
                           metadata: ["session_id": "\(query.sessionId)", "query_id": "\(query.queryId)"])
        }
    }
}
