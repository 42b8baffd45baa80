import AgentCore
import Foundation
import Synchronization

/// Several responders on one PostgreSQL database behind one nginx upstream with plain round
/// robin, and the fake LLM behind them all: the multi-responder tests' world. nginx runs the
/// project's conf/nginx-fastcgi.conf with its `upstream` listing every responder's socket, and
/// one worker process, so consecutive requests go to consecutive responders. Each responder has
/// its own directory (`r0`, `r1`, …), socket, log and `server.instance_id` (`r0`, …).
/// Everything started is stopped and the directory removed by `stop()` or deinit.
public final class FailoverCluster: Sendable {
    public let directory: String
    public let llm: FakeLLM
    public let nginx: ManagedProcess
    public let port: UInt16
    public let client: HTTPTestClient
    public let count: Int
    private let environment: [String: String]
    private let responders: Mutex<[ResponderProcess?]>

    /// - Parameters:
    ///   - databaseURL: the PostgreSQL store every responder shares.
    ///   - environment: extra responder settings (`AGENT_FCGI_…`).
    public init(count: Int = 3, databaseURL: String, leaseSeconds: Double = 2, environment: [String: String] = [:]) throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-cluster")
        self.directory = directory
        self.count = count
        responders = Mutex(Array(repeating: nil, count: count))
        do {
            llm = try FakeLLM(directory: directory)
            self.environment = environment.merging([
                "OPENAI_BASE_URL": llm.openAIBaseURL, "AGENT_FCGI_STORAGE_BACKEND": "postgresql",
                "AGENT_FCGI_STORAGE_URL": databaseURL, "AGENT_FCGI_STORAGE_POOL_SIZE": "2",
                "AGENT_FCGI_STORAGE_LEASE_SECONDS": String(leaseSeconds), "AGENT_FCGI_SERVER_WORKERS": "24",
            ]) { mine, _ in mine }
            port = try TestEnvironment.freePort()
            nginx = try Self.startNginx(directory: directory, port: port, sockets: (0..<count).map { "\(directory)/r\($0)/agent.sock" })
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        client = HTTPTestClient(port: port)
        do {
            for index in 0..<count { try start(index) }
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Idempotent.
    public func stop() {
        for responder in responders.withLock({ $0 }) { responder?.stop() }
        nginx.signal(SIGQUIT)
        nginx.stop(gracePeriod: 5)
        llm.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func start(_ index: Int) throws {
        let home = "\(directory)/r\(index)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let responder = try ResponderProcess(directory: home, environment: environment.merging(
            ["AGENT_FCGI_SERVER_INSTANCE_ID": "r\(index)"]) { _, new in new })
        responders.withLock { $0[index] = responder }
    }

    /// SIGKILL: no drain, no final commit, its leases left to expire.
    public func kill(_ index: Int) throws {
        guard let responder = responders.withLock({ $0[index] }) else { return }
        responder.process.signal(SIGKILL)
        guard responder.process.waitForExit(timeout: 10) != nil else { throw TestFailure("responder r\(index) survived SIGKILL") }
        responders.withLock { $0[index] = nil }
    }

    public func log(_ index: Int) -> String {
        (try? String(contentsOfFile: "\(directory)/r\(index)/responder.log", encoding: .utf8)) ?? ""
    }

    /// Which responders answered a finished request of `path` (their access lines) for
    /// `sessionId`, or with `status` (a refused request's line names no session).
    public func servers(of path: String, session sessionId: String? = nil, status: Int? = nil) -> Set<Int> {
        Set((0..<count).filter { index in
            log(index).split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.contains { $0 == "path=\(path)" }
                    && (sessionId.map { id in fields.contains { $0 == "session_id=\(id)" } } ?? true)
                    && (status.map { code in fields.contains { $0 == "status=\(code)" } } ?? true)
            }
        })
    }

    public func post(_ path: String, _ body: JSONValue) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")],
                                 body: Data(body.serialized().utf8), timeout: 60)
    }

    public func getJSON(_ path: String) async throws -> JSONValue {
        let response = try await client.get(path)
        guard response.status == 200 else { throw TestFailure("GET \(path) answered \(response.status): \(response.text)") }
        return try response.json()
    }

    /// The contents of a session's stored messages, as `GET /sessions/{id}/messages` answers.
    public func messageContents(_ sessionId: String) async throws -> [String] {
        let messages = try await getJSON("/sessions/\(sessionId)/messages")["messages"]?.arrayValue ?? []
        return messages.map { $0["content"]?.stringValue ?? "" }
    }

    public func eventLog(_ sessionId: String) async throws -> HTTPTestStream {
        let stream = try await client.stream("/sessions/\(sessionId)/events?after=0")
        guard stream.status == 200 else { throw TestFailure("events of \(sessionId) answered \(stream.status)") }
        return stream
    }

    /// An SSE request read until `enough` holds; then `whileOpen` runs and reading goes on to the end.
    public func readStream(_ path: String, body: JSONValue, until enough: @escaping @Sendable (HTTPTestStream) -> Bool,
                    whileOpen: @escaping @Sendable () throws -> Void) async throws -> HTTPTestStream {
        let port = self.port
        let bodyData = Data(body.serialized().utf8)
        return try await HTTPTestClient.onThread {
            let connection = try RawConnection(port: port, timeout: 60)
            try connection.send("POST \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                + "Content-Length: \(bodyData.count)\r\n\r\n")
            connection.sendIgnoringReset(bodyData)
            let (head, first) = try connection.readHead()
            var stream = HTTPTestStream(head: head)
            stream.consume(first, at: 0)
            while !enough(stream), let chunk = try connection.read() { stream.consume(chunk, at: 0) }
            try whileOpen()
            while let chunk = try? connection.read() { stream.consume(chunk, at: 0) }
            return stream
        }
    }

    /// psql on the shared database: the one value the query selects.
    public static func psql(_ url: String, _ sql: String) throws -> String {
        try PostgresTestCluster.psql(url, sql)
    }

    /// nginx-fastcgi.conf as shipped, its upstream listing every socket; nginx-standalone.conf
    /// with one worker process, so round robin is one sequence.
    private static func startNginx(directory: String, port: UInt16, sockets: [String]) throws -> ManagedProcess {
        guard let nginx = TestEnvironment.executable("nginx") else { throw TestFailure("nginx is not installed (make test installs it)") }
        let values = ["PORT": String(port), "SOCKET": sockets[0], "STATE": directory, "HTTP_EXTRA": "",
                      "WEBROOT": TestEnvironment.packageRoot.appendingPathComponent("web").path,
                      "USER": getuid() == 0 ? "user root;" : ""]
        for file in ["fastcgi_params", "mime.types"] {
            try FileManager.default.copyItem(atPath: "/etc/nginx/\(file)", toPath: "\(directory)/\(file)")
        }
        let conf = "\(directory)/nginx-fastcgi.conf"
        try TestEnvironment.template("nginx-fastcgi.conf", to: conf, values: values)
        var text = try String(contentsOfFile: conf, encoding: .utf8)
        let single = "    server unix:\(sockets[0]);"
        guard let range = text.range(of: single) else { throw TestFailure("nginx-fastcgi.conf has no line \(single)") }
        text.replaceSubrange(range, with: sockets.map { "    server unix:\($0);" }.joined(separator: "\n"))
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        let main = "\(directory)/nginx.conf"
        try TestEnvironment.template("nginx-standalone.conf", to: main, values: values)
        let standalone = try String(contentsOfFile: main, encoding: .utf8)
        guard standalone.contains("worker_processes 2;") else { throw TestFailure("nginx-standalone.conf changed its worker_processes") }
        try standalone.replacingOccurrences(of: "worker_processes 2;", with: "worker_processes 1;")
            .write(toFile: main, atomically: true, encoding: .utf8)
        let process = try ManagedProcess(nginx, ["-p", directory, "-c", main], logPath: "\(directory)/nginx.log")
        guard TestEnvironment.waitUntil(timeout: 15, { TestEnvironment.isListening(port: port, pid: process.pid) || !process.isRunning }),
              process.isRunning else {
            process.stop()
            throw TestFailure("nginx did not start on 127.0.0.1:\(port); log:\n\(process.log)")
        }
        return process
    }
}
