import AgentCore
import Foundation
import Synchronization

/// The product as a test meets it: the agent-fcgi binary behind real nginx or lighttpd (the
/// project's conf/ files, templated into a temp directory), on its own port, usually with the
/// scripted fake LLM behind it. The one stack builder of every end-to-end test; `Options` say
/// what differs. The responder can be killed and restarted on the same socket and store.
/// Everything started is stopped and the directory removed by `stop()` or, at the latest, deinit.
///
/// Threading: `init` blocks while the processes start (it polls); from async code use `start`,
/// which starts it on a thread of its own.
public final class TestStack: Sendable {
    /// What the responder's model is.
    public enum Model: Sendable {
        /// No fake LLM: for tests of the HTTP/FastCGI layers that never query a model.
        case none
        /// The fake LLM, reached through `OPENAI_BASE_URL`.
        case fake
        /// The fake LLM with model retries off (`AGENT_FCGI_MODEL_MAX_ATTEMPTS=1`) and the model
        /// named `fake-model`, so a scripted failure is seen at once.
        case fakeSingleAttempt
    }

    public struct Options: Sendable {
        public var webServer: WebServerInstance.Kind
        public var model: Model
        /// Extra agent-fcgi flags (e.g. `["--workers", "16"]`).
        public var arguments: [String]
        /// Extra responder environment (`AGENT_FCGI_…`); wins over the model's defaults.
        public var environment: [String: String]
        /// YAML for `--config`, written to `configPath`: `@LLM@` becomes the fake's OpenAI base
        /// URL, `@DIR@` the stack's directory. `writeConfig` replaces it (reload tests).
        public var config: String?
        /// Directives for nginx's `http {}` block (limit_req_zone, …); lighttpd ignores them.
        public var nginxHTTPExtra: String
        /// An htpasswd file: nginx runs with the conf's basic-auth block on.
        public var basicAuthFile: String?
        /// Where the SQLite store lives (e.g. a small tmpfs); default the stack's directory.
        /// Not removed by `stop()`.
        public var storeDirectory: String?

        public init(webServer: WebServerInstance.Kind = .nginx, model: Model = .fake, arguments: [String] = [],
                    environment: [String: String] = [:], config: String? = nil, nginxHTTPExtra: String = "",
                    basicAuthFile: String? = nil, storeDirectory: String? = nil) {
            self.webServer = webServer
            self.model = model
            self.arguments = arguments
            self.environment = environment
            self.config = config
            self.nginxHTTPExtra = nginxHTTPExtra
            self.basicAuthFile = basicAuthFile
            self.storeDirectory = storeDirectory
        }
    }

    public let options: Options
    public let directory: String
    public let webServer: WebServerInstance
    /// A client of the web server; a 502 or 504 it receives carries the stack's logs.
    public var client: HTTPTestClient {
        HTTPTestClient(port: webServer.port) { [weak self] in self.map { String($0.logs.suffix(6000)) } ?? "" }
    }
    private let fakeLLM: FakeLLM?
    private let responderArguments: [String]
    private let responderEnvironment: [String: String]
    private let current: Mutex<ResponderProcess>

    /// The responder started last (it may have been stopped or killed since).
    public var responder: ResponderProcess { current.withLock { $0 } }

    /// The fake LLM; only stacks with a fake model have one.
    public var llm: FakeLLM {
        guard let fakeLLM else { preconditionFailure("this TestStack was started with model: .none") }
        return fakeLLM
    }

    public var configPath: String { directory + "/agent-fcgi.yaml" }
    public var storePath: String { (options.storeDirectory ?? directory) + "/agent.sqlite" }
    public var baseURL: String { "http://127.0.0.1:\(webServer.port)" }
    /// Every responder's output so far (restarts append to the same file).
    public var responderLog: String { responder.process.log }

    public convenience init(_ webServer: WebServerInstance.Kind = .nginx, model: Model = .fake, arguments: [String] = [],
                            environment: [String: String] = [:], config: String? = nil, nginxHTTPExtra: String = "",
                            basicAuthFile: String? = nil, storeDirectory: String? = nil) throws {
        try self.init(Options(webServer: webServer, model: model, arguments: arguments, environment: environment,
                              config: config, nginxHTTPExtra: nginxHTTPExtra, basicAuthFile: basicAuthFile,
                              storeDirectory: storeDirectory))
    }

    public init(_ options: Options) throws {
        self.options = options
        let directory = try TestEnvironment.makeTemporaryDirectory()
        self.directory = directory
        var started: [() -> Void] = [{ try? FileManager.default.removeItem(atPath: directory) }]
        func undo() { started.reversed().forEach { $0() } }
        do {
            fakeLLM = options.model == .none ? nil : try FakeLLM(directory: directory)
            if let fakeLLM { started.append { fakeLLM.stop() } }
            var environment: [String: String] = [:]
            if let fakeLLM { environment["OPENAI_BASE_URL"] = fakeLLM.openAIBaseURL }
            if options.model == .fakeSingleAttempt {
                environment["AGENT_FCGI_MODEL_MAX_ATTEMPTS"] = "1"
                environment["AGENT_FCGI_MODEL_NAME"] = "fake-model"
            }
            responderEnvironment = environment.merging(options.environment) { _, new in new }
            var arguments = options.arguments
            if let storeDirectory = options.storeDirectory { arguments = ["--storage-path", storeDirectory + "/agent.sqlite"] + arguments }
            if let config = options.config {
                try Self.write(config, llm: fakeLLM, directory: directory, to: directory + "/agent-fcgi.yaml")
                arguments = ["--config", directory + "/agent-fcgi.yaml"] + arguments
            }
            responderArguments = arguments
            let responder = try ResponderProcess(directory: directory, arguments: arguments, environment: responderEnvironment)
            started.append { responder.stop() }
            current = Mutex(responder)
            webServer = try Self.startWebServer(options, directory: directory, socketPath: responder.socketPath)
        } catch {
            undo()
            throw error
        }
    }

    /// Starts the stack on a thread of its own: starting waits (polls) for up to three processes,
    /// and that wait must not hold one of the cooperative pool's few threads.
    public static func start(_ webServer: WebServerInstance.Kind = .nginx, model: Model = .fake, arguments: [String] = [],
                             environment: [String: String] = [:], config: String? = nil, nginxHTTPExtra: String = "",
                             basicAuthFile: String? = nil, storeDirectory: String? = nil) async throws -> TestStack {
        try await start(Options(webServer: webServer, model: model, arguments: arguments, environment: environment,
                                config: config, nginxHTTPExtra: nginxHTTPExtra, basicAuthFile: basicAuthFile,
                                storeDirectory: storeDirectory))
    }

    public static func start(_ options: Options) async throws -> TestStack {
        try await HTTPTestClient.onThread { try TestStack(options) }
    }

    deinit {
        stop()
    }

    /// Idempotent.
    public func stop() {
        webServer.stop()
        responder.stop()
        fakeLLM?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The responder's, web server's and fake LLM's logs, for failure messages.
    public var logs: String {
        var text = "--- responder ---\n\(responder.process.log)\n--- \(webServer.kind) ---\n\(webServer.process.log)"
        if let fakeLLM { text += "\n--- fake llm ---\n" + fakeLLM.log }
        return text
    }

    // MARK: The responder's life

    /// Starts a responder on the same socket, store, flags and environment (the previous one must be gone).
    public func startResponder() throws {
        let responder = try ResponderProcess(directory: directory, arguments: responderArguments,
                                             environment: responderEnvironment)
        current.withLock { $0 = responder }
    }

    /// SIGKILL: no drain, no final commit, the store as the crash left it.
    public func killResponder() throws {
        let responder = self.responder
        responder.process.signal(SIGKILL)
        guard responder.process.waitForExit(timeout: 10) != nil else { throw TestFailure("responder survived SIGKILL") }
    }

    /// SIGTERM: drains and closes the store.
    public func stopResponder() {
        responder.stop()
    }

    public func restartResponder() throws {
        stopResponder()
        try startResponder()
    }

    // MARK: Configuration file

    /// Replaces the config file (atomically, as an editor or deploy tool would).
    public func writeConfig(_ yaml: String) throws {
        try Self.write(yaml, llm: fakeLLM, directory: directory, to: configPath)
    }

    /// Sends SIGHUP and waits until the log has one more line containing `marker` than before.
    @discardableResult
    public func reload(expecting marker: String, timeout: Double = 10) -> Bool {
        let before = occurrences(of: marker)
        responder.process.signal(SIGHUP)
        return TestEnvironment.waitUntil(timeout: timeout) { occurrences(of: marker) > before }
    }

    /// How often `text` occurs in the responder's log.
    public func occurrences(of text: String) -> Int {
        responderLog.components(separatedBy: text).count - 1
    }

    private static func write(_ yaml: String, llm: FakeLLM?, directory: String, to path: String) throws {
        var text = yaml.replacingOccurrences(of: "@DIR@", with: directory)
        if let llm { text = text.replacingOccurrences(of: "@LLM@", with: llm.openAIBaseURL) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Parallel tests pick free ports independently; on the rare collision, pick again.
    private static func startWebServer(_ options: Options, directory: String, socketPath: String) throws -> WebServerInstance {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try WebServerInstance(options.webServer, directory: directory, socketPath: socketPath,
                                             httpExtra: options.nginxHTTPExtra, basicAuthFile: options.basicAuthFile)
            } catch let failure as TestFailure where attempt < 3 && failure.description.contains("in use") {
                for file in ["fastcgi_params", "mime.types"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)") }
            }
        }
    }
}
