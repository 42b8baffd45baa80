import AgentCore
import ArgumentParser
import CFCGI
import Foundation
import Logging

/// Start-up and shutdown order: the store and agent first, then the listener, so that a socket
/// that accepts connections belongs to a responder that can serve them (supervisors and tests
/// take a connectable socket as "ready"); on a signal, drain the workers, then stop queries and
/// close the store.
struct ServerLauncher {
    let configuration: ServiceConfiguration
    let loader: ConfigurationLoader
    let logging: LoggingSetup
    let metrics: MetricsSetup

    func run() throws {
        let logger = Logger(label: "agent-fcgi")
        let settings = configuration.responder
        guard FCGX_Init() == 0 else { throw ValidationError("FCGX_Init failed") }
        let runtime: ServiceRuntime
        do {
            runtime = try ServiceRuntime(configuration: configuration, loader: loader, logging: logging)
        } catch {
            logger.critical("cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(1)
        }
        let listenSocket: ListenSocket
        do {
            listenSocket = try ListenSocket.open(settings.listener)
        } catch {
            logger.critical("cannot listen", metadata: ["reason": "\(error.description)"])
            runtime.stop()
            throw ExitCode(1)
        }
        let stats = ResponderStats()
        let signals = SignalDispatcher()
        signals.register(SIGUSR1) {
            logger.notice(logging.sink.reopen() ? "SIGUSR1: log file reopened" : "SIGUSR1: could not reopen the log file")
        }
        signals.register(SIGHUP) { runtime.reload() }
        let status = SessionStatusProvider(service: runtime.service, storeHealth: { await runtime.store.probedHealthReport() },
                                           mcp: { runtime.mcp }, mcpUnavailableReason: { runtime.mcpUnavailableReason })
        let scrapeTime = ScrapeTimeMetrics(stats: stats, sessions: runtime.service.sessions, factory: metrics.factory,
                                           mcp: { runtime.mcp })
        let router = APIRoutes.makeRouter(.init(stats: stats, status: status, service: runtime.service,
                                                metrics: MetricsRoutes(registry: metrics.registry, scrapeTime: scrapeTime)))
        let server = FastCGIServer(settings: settings, router: router, stats: stats, listenSocket: listenSocket,
                                   metricsFactory: metrics.factory)
        server.start()
        logger.notice("agent-fcgi \(AgentCoreInfo.version) listening", metadata: [
            "listener": "\(listenSocket.description)", "workers": "\(settings.workers)", "config": "\(configuration.source)",
            "model": "\(configuration.model.model)", "storage": "\(configuration.storage.backend.rawValue):\(configuration.storage.location)"])
        let signal = signals.waitForShutdownSignal()
        logger.notice("shutting down", metadata: ["signal": "\(SignalDispatcher.name(signal))"])
        let deadline = ContinuousClock.now + .milliseconds(Int(settings.drainSeconds * 1000))
        let clean = server.drain()
        runtime.stop(deadline: deadline)
        listenSocket.removeSocketFile()
        logger.notice(clean ? "drained; exiting" : "drain deadline passed with work still running; exiting",
                      metadata: ["requests_served": "\(stats.requestsServed.load(ordering: .relaxed))"])
    }
}
