import AgentCore
import Foundation

/// Three (or `count`) responders on one throwaway PostgreSQL database, behind one nginx made
/// from conf/nginx-fastcgi.conf: `port` is the conf's server block with its upstream listing
/// every responder (plain round robin, or the conf's commented `hash $agent_session
/// consistent` block turned on), and `ports[i]` is the same server block passing to responder
/// `i` alone, so a test can send a request "through responder Y". One fake LLM serves them all.
/// `stop()` (or deinit) stops everything and removes the directory.
public final class ResponderCluster: Sendable {
    public enum Routing: Sendable { case roundRobin, sessionHash }

    public let directory: String
    public let databaseURL: String
    public let llm: FakeLLM
    public let responders: [ResponderProcess]
    public let nginx: ManagedProcess
    /// The shared upstream.
    public let port: UInt16
    /// One per responder, in order.
    public let ports: [UInt16]

    public var client: HTTPTestClient { HTTPTestClient(port: port) }
    public func client(_ responder: Int) -> HTTPTestClient { HTTPTestClient(port: ports[responder]) }
    public var socketPaths: [String] { responders.map(\.socketPath) }
    /// nginx's log of which responder served each request (`$request_uri [$http_x_session_id] $upstream_addr`).
    public var upstreamLog: String { (try? String(contentsOfFile: directory + "/upstream.log", encoding: .utf8)) ?? "" }
    public func responderLog(_ index: Int) -> String { responders[index].process.log }

    public init(count: Int = 3, routing: Routing = .roundRobin, environment: [String: String] = [:]) async throws {
        let cluster = try await PostgresTestCluster.shared()
        databaseURL = try await cluster.makeDatabase(prefix: "multi")
        directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-multi")
        var started: [ResponderProcess] = []
        do {
            llm = try FakeLLM(directory: directory)
            var env = PostgresTestCluster.responderEnvironment(databaseURL)
            env["OPENAI_BASE_URL"] = llm.openAIBaseURL
            // Three responders per test, several tests at once: 256 worker threads each would be
            // thousands of threads on a machine other suites share.
            env["AGENT_FCGI_SERVER_WORKERS"] = "16"
            env.merge(environment) { _, mine in mine }
            for index in 0..<count {
                let home = "\(directory)/r\(index)"
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                // Each responder its own name: notices from a responder with this one's name are its own.
                started.append(try ResponderProcess(directory: home,
                                                    environment: env.merging(["AGENT_FCGI_SERVER_INSTANCE_ID": "r\(index)"]) { _, new in new }))
            }
            responders = started
            port = try TestEnvironment.freePort()
            var others: [UInt16] = []
            for _ in 0..<count {
                var next = try TestEnvironment.freePort()
                while next == port || others.contains(next) { next = try TestEnvironment.freePort() }
                others.append(next)
            }
            ports = others
            let conf = try Self.conf(port: port, ports: ports, sockets: started.map(\.socketPath), routing: routing)
            nginx = try Self.startNginx(directory: directory, conf: conf, ports: [port] + ports)
        } catch {
            started.forEach { $0.stop() }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit {
        stop()
    }

    public func stop() {
        nginx.signal(SIGQUIT)
        nginx.stop(gracePeriod: 5)
        responders.forEach { $0.stop() }
        llm.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: The nginx configuration

    /// The lines of conf/nginx-fastcgi.conf's commented multi-responder block, uncommented as
    /// an operator would (a `# # ...` line stays a comment).
    public static func uncommentedClusterBlock(_ text: String) throws -> String {
        let lines = text.components(separatedBy: "\n")
        guard let first = lines.firstIndex(where: { $0.hasPrefix("# map $uri $agent_session_in_path") }),
              let last = lines.firstIndex(where: { $0.hasPrefix("# fastcgi_next_upstream_tries") }), first < last else {
            throw TestFailure("conf/nginx-fastcgi.conf has no commented multi-responder block")
        }
        var result = lines
        for index in first...last where result[index].hasPrefix("# ") {
            result[index] = String(result[index].dropFirst(2))
        }
        return result.joined(separator: "\n")
    }

    /// conf/nginx-fastcgi.conf, templated for `sockets[0]`, then: the upstream lists every
    /// responder (or, with `.sessionHash`, the commented block is on with its servers replaced
    /// by ours), and one copy of the server block per responder listens on `ports[i]`.
    public static func conf(port: UInt16, ports: [UInt16], sockets: [String], routing: Routing) throws -> String {
        let source = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("conf/nginx-fastcgi.conf"),
                                encoding: .utf8)
        let web = TestEnvironment.packageRoot.appendingPathComponent("web").path
        let templated = source.replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@SOCKET@", with: sockets[0]).replacingOccurrences(of: "@WEBROOT@", with: web)
        guard let serverStart = templated.range(of: "\nserver {") else { throw TestFailure("no server block in the conf") }
        let head = String(templated[..<serverStart.lowerBound])
        let serverBlock = String(templated[serverStart.lowerBound...])
        let ourServers = sockets.map { "    server unix:\($0);" }.joined(separator: "\n")
        var output: String
        switch routing {
        case .roundRobin:
            output = head.replacingOccurrences(of: "    server unix:\(sockets[0]);", with: ourServers) + serverBlock
        case .sessionHash:
            var cluster = try uncommentedClusterBlock(head)
            // The example servers (a socket and two TCP hosts) become ours.
            cluster = try replaceServers(in: cluster, upstream: "agent_fcgi_cluster", with: ourServers)
            output = cluster + serverBlock.replacingOccurrences(of: "fastcgi_pass agent_fcgi;", with: "fastcgi_pass agent_fcgi_cluster;")
        }
        for (index, (socket, own)) in zip(sockets, ports).enumerated() {
            output += "\nupstream agent_fcgi_\(index) {\n    server unix:\(socket);\n}\n"
            output += serverBlock.replacingOccurrences(of: "listen 127.0.0.1:\(port);", with: "listen 127.0.0.1:\(own);")
                .replacingOccurrences(of: "fastcgi_pass agent_fcgi;", with: "fastcgi_pass agent_fcgi_\(index);")
        }
        return output
    }

    /// Replaces the `server` lines of `upstream name { ... }` with `servers`.
    static func replaceServers(in text: String, upstream name: String, with servers: String) throws -> String {
        var lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "upstream \(name) {"),
              let end = lines[start...].firstIndex(of: "}") else { throw TestFailure("no upstream \(name) in the conf") }
        let kept = lines[(start + 1)..<end].filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("server ") }
        lines.replaceSubrange((start + 1)..<end, with: kept + [servers])
        return lines.joined(separator: "\n")
    }

    /// nginx-standalone.conf around `conf`, with an access log of the upstream each request went to.
    public static func writeNginxConf(directory: String, conf: String) throws {
        for file in ["fastcgi_params", "mime.types"] where !FileManager.default.fileExists(atPath: "\(directory)/\(file)") {
            try FileManager.default.copyItem(atPath: "/etc/nginx/\(file)", toPath: "\(directory)/\(file)")
        }
        try conf.write(toFile: "\(directory)/nginx-fastcgi.conf", atomically: true, encoding: .utf8)
        let extra = "log_format upstreams '$request_uri [$http_x_session_id] $upstream_addr'; "
            + "access_log \(directory)/upstream.log upstreams;"
        try TestEnvironment.template("nginx-standalone.conf", to: "\(directory)/nginx.conf",
                                     values: ["STATE": directory, "HTTP_EXTRA": extra, "USER": getuid() == 0 ? "user root;" : ""])
    }

    public static func nginxBinary() throws -> String {
        guard let nginx = TestEnvironment.executable("nginx") else { throw TestFailure("nginx is not installed (make test installs it)") }
        return nginx
    }

    private static func startNginx(directory: String, conf: String, ports: [UInt16]) throws -> ManagedProcess {
        try writeNginxConf(directory: directory, conf: conf)
        let process = try ManagedProcess(try nginxBinary(), ["-p", directory, "-c", "\(directory)/nginx.conf"],
                                         logPath: "\(directory)/nginx.log")
        guard TestEnvironment.waitUntil(timeout: 15, {
            ports.allSatisfy { TestEnvironment.isListening(port: $0, pid: process.pid) } || !process.isRunning
        }), process.isRunning else {
            process.stop()
            throw TestFailure("nginx did not start; log:\n\(process.log)")
        }
        return process
    }

    // MARK: Requests

    /// POSTs JSON through `client`.
    public static func post(_ client: HTTPTestClient, _ path: String, _ body: JSONValue = [:]) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")], body: Data(body.serialized().utf8))
    }
}
