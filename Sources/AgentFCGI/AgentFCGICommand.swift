import AgentCore
import ArgumentParser
import CFCGI
import Foundation
import Logging

/// `agent-fcgi [flags]` runs the responder: reads the configuration (flags > AGENT_FCGI_*
/// environment > --config file > defaults), opens the listener, starts the workers and the
/// agent, and waits for a signal on the main thread (the only thread that receives them).
/// `agent-fcgi chat` is a terminal client for a running server.
struct AgentFCGICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-fcgi",
        abstract: "An LLM-agent server that runs as a FastCGI responder behind nginx or lighttpd.",
        discussion: """
            Every flag has a key in the configuration file (shown in brackets) and an environment \
            variable AGENT_FCGI_<KEY> with dots as underscores, e.g. AGENT_FCGI_SERVER_WORKERS=64. \
            Flags win over the environment, which wins over the file.
            """,
        version: AgentCoreInfo.version,
        subcommands: [ChatCommand.self])

    @Option(help: "Configuration file (YAML); see conf/agent-fcgi.yaml. Also AGENT_FCGI_CONFIG.")
    var config: String?
    @Flag(help: "Validate the configuration, print a summary and exit (0 when valid).")
    var checkConfig = false
    @Flag(help: "Apply the store's schema migrations and exit (0 when the schema is current). Responders also migrate at start.")
    var migrate = false
    @Option(help: "Unix socket to create and listen on, mode 0660. [server.socket]")
    var socket: String?
    @Option(help: "Group to give the unix socket, normally the web server's (e.g. www-data). [server.socket_group]")
    var socketGroup: String?
    @Option(help: "TCP address to listen on, HOST:PORT; loopback only unless --allow-non-loopback. [server.listen]")
    var listen: String?
    @Flag(help: "Allow --listen on a non-loopback address (the FastCGI port must not be reachable by clients).")
    var allowNonLoopback = false
    @Option(help: "Worker threads; also the ceiling on concurrent streams (default 256). [server.workers]")
    var workers: Int?
    @Option(help: "On TERM/INT/QUIT, seconds in-flight requests and streams get to finish (default 30). [server.drain_seconds]")
    var drainSeconds: Double?
    @Option(help: "Largest request body accepted; larger gets 413 (default 1048576). [server.max_body_bytes]")
    var maxBodyBytes: Int?
    @Option(help: "Path prefix the API is mounted under (e.g. /agent-api); stripped before routing. [server.base_path]")
    var basePath: String?
    @Option(help: "Seconds of silence on a stream before a ': ping' heartbeat (default 15). [server.heartbeat_seconds]")
    var heartbeatSeconds: Double?
    @Option(help: "Seconds a write may wait on a client that stopped reading (default 30). [server.write_timeout_seconds]")
    var writeTimeoutSeconds: Double?
    @Option(help: "Seconds a web server may send nothing in the middle of a request before it is dropped (default 30). [server.read_timeout_seconds]")
    var readTimeoutSeconds: Double?
    @Option(help: "Largest FastCGI PARAMS block (request line and headers) accepted (default 65536). [server.max_params_bytes]")
    var maxParamsBytes: Int?
    @Option(help: "Requests slower than this are logged and counted in /status (default 5). [server.slow_request_seconds]")
    var slowRequestSeconds: Double?
    @Option(help: "SQLite file for sessions, history and events (default ./data/agent-fcgi.sqlite). [storage.path]")
    var storagePath: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info). [logging.level]")
    var logLevel: String?

    func validate() throws {
        guard socket == nil || listen == nil else { throw ValidationError("pass --socket or --listen, not both") }
        guard !(migrate && checkConfig) else { throw ValidationError("pass --migrate or --check-config, not both") }
        if let workers, !(1...20_000).contains(workers) { throw ValidationError("--workers must be 1...20000, got \(workers)") }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    /// Flags as configuration keys. A listener flag also clears the other listener key, so a
    /// flag always wins over whatever the file chose.
    var flagValues: [String: String] {
        var values: [String: String] = [:]
        if let socket { values["server.socket"] = socket; values["server.listen"] = "" }
        if let listen { values["server.listen"] = listen; values["server.socket"] = "" }
        if allowNonLoopback { values["server.allow_non_loopback"] = "true" }
        values["server.socket_group"] = socketGroup
        values["server.workers"] = workers.map(String.init)
        values["server.drain_seconds"] = drainSeconds.map { String($0) }
        values["server.max_body_bytes"] = maxBodyBytes.map(String.init)
        values["server.base_path"] = basePath
        values["server.heartbeat_seconds"] = heartbeatSeconds.map { String($0) }
        values["server.write_timeout_seconds"] = writeTimeoutSeconds.map { String($0) }
        values["server.read_timeout_seconds"] = readTimeoutSeconds.map { String($0) }
        values["server.max_params_bytes"] = maxParamsBytes.map(String.init)
        values["server.slow_request_seconds"] = slowRequestSeconds.map { String($0) }
        values["storage.path"] = storagePath
        values["logging.level"] = logLevel
        return values
    }

    var loader: ConfigurationLoader {
        let environment = ProcessInfo.processInfo.environment
        let file = config ?? environment["AGENT_FCGI_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        return ConfigurationLoader(filePath: file, flagValues: flagValues, environment: environment)
    }

    func run() throws {
        let loader = self.loader
        let configuration: ServiceConfiguration
        do {
            configuration = try blockingAwait { try await loader.load() }
        } catch {
            FileHandle.standardError.write(Data("agent-fcgi: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if checkConfig {
            try ConfigurationCheck.run(configuration)
            return
        }
        if migrate {
            do {
                print(try SessionStorage.migrate(configuration.storage))
            } catch {
                FileHandle.standardError.write(Data("agent-fcgi: migration failed: \(error)\n".utf8))
                throw ExitCode(1)
            }
            return
        }
        let logging = try LoggingSetup(configuration.logging)
        try ServerLauncher(configuration: configuration, loader: loader, logging: logging, metrics: MetricsSetup()).run()
    }
}
