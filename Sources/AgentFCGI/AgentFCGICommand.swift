import AgentCore
import ArgumentParser
import CFCGI
import Foundation
import Logging

/// `agent-fcgi`: parses flags into `ResponderSettings`, opens the listener, starts the workers and
/// waits for a signal on the main thread (the only thread that receives them).
struct AgentFCGICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-fcgi",
        abstract: "An LLM-agent server that runs as a FastCGI responder behind nginx or lighttpd.",
        version: AgentCoreInfo.version)

    @Option(help: "Unix socket to create and listen on (mode 0660).")
    var socket: String?
    @Option(help: "Group to give the unix socket, normally the web server's (e.g. www-data).")
    var socketGroup: String?
    @Option(help: "TCP address to listen on, HOST:PORT; loopback only unless --allow-non-loopback.")
    var listen: String?
    @Flag(help: "Allow --listen on a non-loopback address (the FastCGI port must not be reachable by clients).")
    var allowNonLoopback = false
    @Option(help: "Worker threads; also the ceiling on concurrent streams.")
    var workers = 256
    @Option(help: "On TERM/INT/QUIT, seconds in-flight requests and streams get to finish.")
    var drainSeconds = 30.0
    @Option(help: "Largest request body accepted; larger gets 413.")
    var maxBodyBytes = 1 << 20
    @Option(help: "Path prefix the API is mounted under (e.g. /agent-api); stripped before routing.")
    var basePath = ""
    @Option(help: "Seconds of silence on a stream before a ': ping' heartbeat.")
    var heartbeatSeconds = 15.0
    @Option(help: "Seconds a write may wait on a client that stopped reading.")
    var writeTimeoutSeconds = 30.0
    @Option(help: "Requests slower than this are logged and counted in /status.")
    var slowRequestSeconds = 5.0
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard workers >= 1, workers <= 10_000 else { throw ValidationError("--workers must be 1...10000, got \(workers)") }
        guard drainSeconds >= 0 else { throw ValidationError("--drain-seconds must be >= 0") }
        guard maxBodyBytes >= 0 else { throw ValidationError("--max-body-bytes must be >= 0") }
        guard heartbeatSeconds > 0 else { throw ValidationError("--heartbeat-seconds must be > 0") }
        guard writeTimeoutSeconds > 0 else { throw ValidationError("--write-timeout-seconds must be > 0") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard socket == nil || listen == nil else { throw ValidationError("pass --socket or --listen, not both") }
        _ = try settings()
    }

    func settings() throws -> ResponderSettings {
        var result = ResponderSettings(listener: try listener())
        result.workers = workers
        result.drainSeconds = drainSeconds
        result.maxBodyBytes = maxBodyBytes
        result.basePath = ResponderSettings.normalizedBasePath(basePath)
        result.heartbeatSeconds = heartbeatSeconds
        result.writeTimeoutSeconds = writeTimeoutSeconds
        result.slowRequestSeconds = slowRequestSeconds
        return result
    }

    private func listener() throws -> ResponderSettings.Listener {
        if let socket { return .unixSocket(path: socket, group: socketGroup) }
        guard let listen else { return .inheritedStandardInput }
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen wants HOST:PORT, got \(listen)")
        }
        let host = String(listen[..<colon])
        let loopback = host == "localhost" || host.hasPrefix("127.")
        guard loopback || allowNonLoopback else {
            throw ValidationError("--listen \(listen) is not loopback; the FastCGI port must be reachable by the web server alone (add --allow-non-loopback to insist)")
        }
        return .tcp(host: host, port: port)
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "agent-fcgi")
        let settings = try settings()
        guard FCGX_Init() == 0 else { throw ValidationError("FCGX_Init failed") }
        let listenSocket: ListenSocket
        do {
            listenSocket = try ListenSocket.open(settings.listener)
        } catch {
            logger.critical("cannot listen", metadata: ["reason": "\(error.description)"])
            throw ExitCode(1)
        }
        let stats = ResponderStats()
        let signals = SignalDispatcher()
        // Logs go to stderr, which the supervisor owns; nothing to reopen, but say so when asked.
        signals.register(SIGUSR1) { logger.notice("SIGUSR1: logging to stderr, nothing to reopen") }
        signals.register(SIGHUP) { logger.notice("SIGHUP: settings come from flags only, nothing to reload") }
        let router = APIRoutes.makeRouter(.init(stats: stats, status: ResponderOnlyStatus()))
        let server = FastCGIServer(settings: settings, router: router, stats: stats, listenSocket: listenSocket)
        server.start()
        logger.notice("agent-fcgi \(AgentCoreInfo.version) listening", metadata: [
            "listener": "\(listenSocket.description)", "workers": "\(settings.workers)",
            "base_path": "\(settings.basePath)", "max_body_bytes": "\(settings.maxBodyBytes)"])
        let signal = signals.waitForShutdownSignal()
        logger.notice("shutting down", metadata: ["signal": "\(SignalDispatcher.name(signal))"])
        let clean = server.drain()
        listenSocket.removeSocketFile()
        logger.notice(clean ? "drained; exiting" : "drain deadline passed with work still running; exiting",
                      metadata: ["requests_served": "\(stats.requestsServed.load(ordering: .relaxed))"])
    }
}
