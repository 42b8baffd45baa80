import AgentCore
import Foundation
import Synchronization

/// nginx in front of a responder that can be killed and restarted on the same socket and
/// store, with the fake LLM behind it: the durability tests' world. Everything started is
/// stopped and the directory removed by `stop()` or deinit.
final class DurableStack: Sendable {
    let directory: String
    let llm: ScriptedLLM
    let webServer: WebServerInstance
    let client: HTTPTestClient
    private let environment: [String: String]
    private let storeDirectory: String?
    private let current = Mutex<ResponderProcess?>(nil)

    var storePath: String { (storeDirectory ?? directory) + "/agent.sqlite" }
    var responderLog: String { (try? String(contentsOfFile: directory + "/responder.log", encoding: .utf8)) ?? "" }

    /// - Parameters:
    ///   - environment: extra responder environment (`AGENT_FCGI_…` settings).
    ///   - storeDirectory: where the SQLite store lives (e.g. a small tmpfs); default this
    ///     stack's directory. Not removed by `stop()`.
    init(environment: [String: String] = [:], storeDirectory: String? = nil) throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-durable")
        self.directory = directory
        self.storeDirectory = storeDirectory
        do {
            llm = try ScriptedLLM(directory: directory)
            self.environment = environment.merging(["OPENAI_BASE_URL": llm.openAIBaseURL]) { mine, _ in mine }
            webServer = try Self.startWebServer(directory: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        client = HTTPTestClient(port: webServer.port)
        do {
            try startResponder()
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Idempotent.
    func stop() {
        current.withLock { $0 }?.stop()
        webServer.stop()
        llm.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts a responder on the same socket and store (the previous one must be gone).
    func startResponder() throws {
        let responder = try ResponderProcess(directory: directory, arguments: ["--storage-path", storePath],
                                             environment: environment)
        current.withLock { $0 = responder }
    }

    /// SIGKILL: no drain, no final commit, the store as the crash left it.
    func killResponder() throws {
        guard let responder = current.withLock({ $0 }) else { return }
        responder.process.signal(SIGKILL)
        guard responder.process.waitForExit(timeout: 10) != nil else { throw TestFailure("responder survived SIGKILL") }
    }

    /// SIGTERM: drains and closes the store.
    func stopResponder() {
        current.withLock { $0 }?.stop()
    }

    func restartResponder() throws {
        stopResponder()
        try startResponder()
    }

    /// POSTs JSON and returns the parsed answer.
    func post(_ path: String, _ body: JSONValue) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")],
                                 body: Data(body.serialized().utf8))
    }

    func getJSON(_ path: String) async throws -> JSONValue {
        let response = try await client.get(path)
        guard response.status == 200 else { throw TestFailure("GET \(path) answered \(response.status): \(response.text)") }
        return try response.json()
    }

    /// Opens an SSE request and reads frames until `enough` holds, then hangs up (a client
    /// dropping mid-stream). Returns what arrived; the whole stream if it ended first.
    /// With `whileOpen`, that runs instead of hanging up, and reading goes on to the end.
    func readStream(_ method: String, _ path: String, body: JSONValue? = nil, headers: [(String, String)] = [],
                    until enough: @escaping @Sendable (HTTPTestStream) -> Bool,
                    whileOpen: (@Sendable () throws -> Void)? = nil) async throws -> HTTPTestStream {
        let port = webServer.port
        let bodyData = body.map { Data($0.serialized().utf8) }
        return try await HTTPTestClient.onThread {
            let connection = try RawConnection(port: port, timeout: 60)
            var head = "\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            if let bodyData { head += "Content-Type: application/json\r\nContent-Length: \(bodyData.count)\r\n" }
            try connection.send(head + "\r\n")
            if let bodyData { connection.sendIgnoringReset(bodyData) }
            let (responseHead, first) = try connection.readHead()
            var stream = HTTPTestStream(head: responseHead)
            stream.consume(first, at: 0)
            while !enough(stream), let chunk = try connection.read() {
                stream.consume(chunk, at: 0)
            }
            if let whileOpen {
                try whileOpen()
                while let chunk = try connection.read() { stream.consume(chunk, at: 0) }
            }
            return stream
        }
    }

    /// The whole event log of a session as `GET /sessions/{id}/events` replays it.
    func eventLog(_ sessionId: String, query: String = "after=0", headers: [(String, String)] = []) async throws
        -> HTTPTestStream {
        let stream = try await client.stream("/sessions/\(sessionId)/events?\(query)", headers: headers)
        guard stream.status == 200 else { throw TestFailure("events of \(sessionId) answered \(stream.status)") }
        return stream
    }

    /// The last `snapshot store ready` line's counters (statements, rows_read, full_scan_steps).
    func lastStartUpWork() throws -> [String: Int] {
        guard let line = responderLog.split(separator: "\n").last(where: { $0.contains("snapshot store ready") }) else {
            throw TestFailure("no start-up line in the responder log:\n\(responderLog)")
        }
        var work: [String: Int] = [:]
        for key in ["statements", "rows_read", "full_scan_steps", "recovered"] {
            guard let range = line.range(of: "\(key)="),
                  let value = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
                throw TestFailure("no \(key) in \(line)")
            }
            work[key] = value
        }
        return work
    }

    /// Runs the sqlite3 shell on the store (the responder should not be running).
    func sqlite(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.executable("sqlite3") ?? "/usr/bin/sqlite3")
        process.arguments = [storePath]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestFailure("sqlite3 failed: \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func startWebServer(directory: String) throws -> WebServerInstance {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try WebServerInstance(.nginx, directory: directory, socketPath: directory + "/agent.sock")
            } catch let failure as TestFailure where attempt < 3 && failure.description.contains("in use") {
                for file in ["fastcgi_params", "mime.types"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)") }
            }
        }
    }
}

extension HTTPTestStream {
    /// The data of each event frame, parsed.
    func eventObjects() throws -> [JSONValue] {
        try events.map { try JSONValue.parse(Data(($0.data ?? "").utf8)) }
    }

    var seqs: [Int] { events.compactMap(\.id) }

    var endsWithDone: Bool { frames.last?.text == ": done" }
}
