import AgentCore
import Foundation
import Logging
import Synchronization

/// Everything above the responder, assembled from the configuration: the session store, the
/// sessions, the MCP servers, the agent profile, the cleanup task. Owns reload (SIGHUP) and the
/// final stop.
///
/// Threading: created and stopped on the main thread; `reload` runs on the signal thread; the
/// pieces it holds are actors and thread-safe types.
final class ServiceRuntime: Sendable {
    let service: AgentService
    let store: any SessionStore
    let logging: LoggingSetup
    let loader: ConfigurationLoader
    private let current: Mutex<ServiceConfiguration>
    private let currentMCP: Mutex<MCPServerPool>
    /// Whether the pool in use has a required server: every `/health` asks, and reading the
    /// pool takes a lock that 16 workers answering `/health` at once contended for (8 % of the
    /// process's time in a profile), while most deployments have none.
    private let requiresMCP = Atomic<Bool>(false)
    private let cleanup: Task<Void, Never>
    private let leases: Task<Void, Never>
    private let logger = Logger(label: "agent-fcgi")

    /// Opens the store (closing queries a crash left running), builds the agent, starts expiry.
    init(configuration: ServiceConfiguration, loader: ConfigurationLoader, logging: LoggingSetup) throws {
        self.loader = loader
        self.logging = logging
        current = Mutex(configuration)
        let store = try SessionStorage.open(configuration.storage, logger: logger)
        self.store = store
        // Several responders on one PostgreSQL database reach each other's queries through it.
        let bus = (store as? PostgresSessionStore)?.notifier
        let sessions = SessionManager(settings: Self.sessionSettings(configuration), store: store, bus: bus)
        // MCP servers start with the responder: each gets its startup timeout to connect and list
        // its tools before the socket opens, so the first queries see them.
        let mcp = MCPServerPool.make(configuration.tools.mcpServers)
        try? blockingAwait { await mcp.start() }
        let profile: AgentProfile
        do {
            profile = try AgentAssembly.makeProfile(configuration, mcp: mcp, logger: logger)
        } catch {
            try? blockingAwait {
                await mcp.stop()
                await store.close()
            }
            throw error
        }
        currentMCP = Mutex(mcp)
        requiresMCP.store(mcp.hasRequiredServers, ordering: .releasing)
        let service = AgentService(sessions: sessions, profile: profile)
        self.service = service
        cleanup = Task { await service.runCleanupLoop() }
        leases = Task { await sessions.runLeaseLoop() }
    }

    var configuration: ServiceConfiguration { current.withLock { $0 } }
    var mcp: MCPServerPool { currentMCP.withLock { $0 } }

    /// Why queries must be refused now for want of a required MCP server; nil without a lock
    /// when no server is required.
    var mcpUnavailableReason: String? {
        requiresMCP.load(ordering: .acquiring) ? mcp.unavailableReason : nil
    }

    /// SIGHUP: re-reads the file. Agent, model, tools, limits and log level apply to new
    /// queries; server keys need a restart and are reported; a broken file changes nothing.
    /// MCP servers whose configuration is unchanged keep running; new or changed ones are
    /// started before the switch, removed or changed ones stopped after it.
    func reload() {
        let next: ServiceConfiguration
        let profile: AgentProfile
        let previousMCP = mcp
        var nextMCP = previousMCP
        do {
            let loader = self.loader
            next = try blockingAwait { try await loader.load() }
            nextMCP = MCPServerPool.make(next.tools.mcpServers, reusing: previousMCP)
            let starting = nextMCP
            try? blockingAwait { await starting.start() }
            profile = try AgentAssembly.makeProfile(next, mcp: nextMCP, logger: logger)
        } catch {
            let abandoned = nextMCP
            if abandoned !== previousMCP { try? blockingAwait { await abandoned.stop(keeping: previousMCP) } }
            logger.error("configuration reload rejected; the running configuration is kept",
                         metadata: ["reason": "\(error)"])
            return
        }
        let previous = configuration
        for key in ServiceRuntime.restartOnlyChanges(from: previous, to: next) {
            logger.warning("configuration key changed but needs a restart to apply", metadata: ["key": "\(key)"])
        }
        service.replaceProfile(profile)
        currentMCP.withLock { $0 = nextMCP }
        requiresMCP.store(nextMCP.hasRequiredServers, ordering: .releasing)
        let replacement = nextMCP
        try? blockingAwait { await previousMCP.stop(keeping: replacement) }
        let sessions = service.sessions
        let settings = Self.sessionSettings(next)
        try? blockingAwait { await sessions.update(settings: settings) }
        logging.level.level = next.logging.level
        current.withLock { $0 = next }
        logger.notice("configuration reloaded", metadata: ["source": "\(next.source)", "model": "\(next.model.model)"])
    }

    /// The session settings, with the events kept in memory for resumption capped by the
    /// store's per-session bound: a resumed stream shows the same retention in memory and after
    /// a restart.
    static func sessionSettings(_ configuration: ServiceConfiguration) -> SessionSettings {
        var settings = configuration.sessions
        settings.recentEventsInMemory = min(settings.recentEventsInMemory, configuration.storage.eventsPerSession)
        return settings
    }

    static func restartOnlyChanges(from old: ServiceConfiguration, to new: ServiceConfiguration) -> [String] {
        var keys: [String] = []
        if old.responder != new.responder { keys.append("server.*") }
        if old.storage != new.storage { keys.append("storage.*") }
        if old.logging.format != new.logging.format { keys.append("logging.format") }
        if old.logging.file != new.logging.file { keys.append("logging.file") }
        return keys
    }

    /// After the responder drained: lets queries still running without a client finish until
    /// `deadline`, cancels the rest (their turns are committed as cancelled), closes the store.
    func stop(deadline: ContinuousClock.Instant = .now) {
        cleanup.cancel()
        let leases = self.leases
        let sessions = service.sessions
        let store = self.store
        let logger = self.logger
        let mcp = self.mcp
        try? blockingAwait {
            if await !sessions.waitUntilQueriesFinish(deadline: deadline) {
                logger.notice("drain deadline passed with queries still running; cancelling them")
            }
            await sessions.stopAll(reason: "the server is shutting down")
            leases.cancel()
            await mcp.stop()
            await store.close()
        }
    }
}
