import AgentCore
import Foundation
import Logging
import Synchronization

/// Everything above the responder, assembled from the configuration: the snapshot store, the
/// sessions, the agent profile, the cleanup task. Owns reload (SIGHUP) and the final stop.
///
/// Threading: created and stopped on the main thread; `reload` runs on the signal thread; the
/// pieces it holds are actors and thread-safe types.
final class ServiceRuntime: Sendable {
    let service: AgentService
    let store: SQLiteSnapshotStore
    let logging: LoggingSetup
    let loader: ConfigurationLoader
    private let current: Mutex<ServiceConfiguration>
    private let cleanup: Task<Void, Never>
    private let logger = Logger(label: "agent-fcgi")

    /// Opens the store (closing queries a crash left running), builds the agent, starts expiry.
    init(configuration: ServiceConfiguration, loader: ConfigurationLoader, logging: LoggingSetup) throws {
        self.loader = loader
        self.logging = logging
        current = Mutex(configuration)
        let storage = configuration.storage
        let store = try blockingAwait {
            try await SQLiteSnapshotStore(configuration: .init(path: storage.path,
                                                               maxEventsPerSession: storage.eventsPerSession))
        }
        self.store = store
        let recovered = try blockingAwait { try await store.recoverInterruptedQueries(now: Date()) }
        for query in recovered {
            logger.warning("query was running when the process stopped; marked interrupted",
                           metadata: ["session_id": "\(query.sessionId)", "query_id": "\(query.queryId)"])
        }
        let persistence = SnapshotSessionPersistence(store: store)
        let sessions = SessionManager(settings: configuration.sessions, persistence: persistence)
        service = AgentService(sessions: sessions, persistence: persistence,
                               profile: try AgentAssembly.makeProfile(configuration, logger: logger))
        cleanup = Task { await sessions.runCleanupLoop() }
    }

    var configuration: ServiceConfiguration { current.withLock { $0 } }

    /// SIGHUP: re-reads the file. Agent, model, tools, limits and log level apply to new
    /// queries; server keys need a restart and are reported; a broken file changes nothing.
    func reload() {
        let next: ServiceConfiguration
        let profile: AgentProfile
        do {
            let loader = self.loader
            next = try blockingAwait { try await loader.load() }
            profile = try AgentAssembly.makeProfile(next, logger: logger)
        } catch {
            logger.error("configuration reload rejected; the running configuration is kept",
                         metadata: ["reason": "\(error)"])
            return
        }
        let previous = configuration
        for key in ServiceRuntime.restartOnlyChanges(from: previous, to: next) {
            logger.warning("configuration key changed but needs a restart to apply", metadata: ["key": "\(key)"])
        }
        service.replaceProfile(profile)
        let sessions = service.sessions
        let settings = next.sessions
        try? blockingAwait { await sessions.update(settings: settings) }
        logging.level.level = next.logging.level
        current.withLock { $0 = next }
        logger.notice("configuration reloaded", metadata: ["source": "\(next.source)", "model": "\(next.model.model)"])
    }

    static func restartOnlyChanges(from old: ServiceConfiguration, to new: ServiceConfiguration) -> [String] {
        var keys: [String] = []
        if old.responder != new.responder { keys.append("server.*") }
        if old.storage != new.storage { keys.append("storage.*") }
        if old.logging.format != new.logging.format { keys.append("logging.format") }
        if old.logging.file != new.logging.file { keys.append("logging.file") }
        return keys
    }

    /// After the responder drained: stops queries still running without a client (their turns
    /// are committed as cancelled), then closes the store.
    func stop() {
        cleanup.cancel()
        let sessions = service.sessions
        let store = self.store
        try? blockingAwait {
            await sessions.stopAll(reason: "the server is shutting down")
            await store.close()
        }
    }
}
