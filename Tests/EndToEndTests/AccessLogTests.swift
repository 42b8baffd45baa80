import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Access log, slow requests and secrets in the responder's log.
@Suite struct AccessLogTests {
    static let basicAuth = ("Authorization", "Basic " + Data("alice:wonderland".utf8).base64EncodedString())

    /// nginx asks for a password and passes the user on as REMOTE_USER.
    static func basicAuthFile(_ directory: String) throws -> String {
        try "alice:{PLAIN}wonderland\n".write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
        return directory + "/htpasswd"
    }

    /// The access line for `method path`, waiting a little: the worker writes it after the response.
    func accessLine(_ stack: TestStack, _ method: String, _ path: String, nth: Int = 0) -> [String: String]? {
        var found: [String: String]?
        _ = TestEnvironment.waitUntil(timeout: 5) {
            let lines = LogLines.access(stack.responder.process.log).filter { $0["method"] == method && $0["path"] == path }
            found = lines.count > nth ? lines[nth] : nil
            return found != nil
        }
        return found
    }

    /// One access line per request with method, path, route, status, bytes, duration, session, owner and events.
    @Test func accessLinesCarryTheFields() async throws {
        let authDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-auth")
        defer { try? FileManager.default.removeItem(atPath: authDirectory) }
        let stack = try TestStack(basicAuthFile: try Self.basicAuthFile(authDirectory))
        defer { stack.stop() }
        let ping = try await stack.client.get("/ping", headers: [Self.basicAuth])
        #expect(ping.status == 200, "\(stack.logs)")
        let marker = "the-message-text-\(UUID().uuidString)"
        let query = try await stack.post("/agent/query", #"{"message": "\#(marker)"}"#, headers: [Self.basicAuth])
        #expect(query.status == 200, "\(query.text)")
        let sessionId = try #require(try query.json()["session_id"]?.stringValue)
        let stream = try await stack.post("/agent/query-stream", #"{"message": "again", "session_id": "\#(sessionId)"}"#,
                                          headers: [Self.basicAuth])
        let events = stream.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.count
        _ = try await stack.client.get("/sessions/\(sessionId)", headers: [Self.basicAuth])

        let pingLine = try #require(accessLine(stack, "GET", "/ping"), "\(stack.logs)")
        #expect(pingLine["level"] == "info" && pingLine["msg"] == "request")
        #expect(pingLine["route"] == "/ping" && pingLine["status"] == "200" && pingLine["bytes"] == "4")
        #expect(pingLine["owner"] == "alice" && pingLine["events"] == "0" && pingLine["end"] == "complete")
        #expect(pingLine["session_id"] == nil)
        let duration = try #require(pingLine["duration"].flatMap(Double.init), "duration: \(pingLine)")
        #expect(duration >= 0)

        let queryLine = try #require(accessLine(stack, "POST", "/agent/query"))
        #expect(queryLine["session_id"] == sessionId && queryLine["owner"] == "alice" && queryLine["status"] == "200")
        #expect(queryLine["bytes"] == String(query.body.count))

        let streamLine = try #require(accessLine(stack, "POST", "/agent/query-stream"))
        #expect(streamLine["session_id"] == sessionId && streamLine["events"] == String(events) && events > 0)
        #expect(streamLine["bytes"] == String(stream.body.count), "frames written = body received: \(streamLine)")

        let readLine = try #require(accessLine(stack, "GET", "/sessions/\(sessionId)"))
        #expect(readLine["route"] == "/sessions/{id}" && readLine["session_id"] == sessionId)
        // Exactly one line per request so far.
        #expect(LogLines.access(stack.responder.process.log).count == 4, "\(stack.responder.process.log)")
        // Message contents never reach the log at info.
        #expect(!stack.responder.process.log.contains(marker), "the user's message was logged:\n\(stack.responder.process.log)")
    }

    /// A request slower than slow_request_seconds is a warning line, counted in /status and /metrics.
    @Test func slowRequestIsLogged() async throws {
        // A threshold far above what the quick requests here take on a loaded machine (a /status
        // at 0.2 s once counted as a second slow request), and a query far above it.
        let stack = try TestStack(arguments: ["--slow-request-seconds", "1.5"])
        defer { stack.stop() }
        try await stack.llm.script([["text": "slowly", "delay_ms": 2500]])
        #expect(try await stack.post("/agent/query", #"{"message": "take your time"}"#).status == 200)
        _ = try await stack.client.get("/ping")
        let warned = TestEnvironment.waitUntil(timeout: 5) {
            LogLines.parse(stack.responder.process.log).contains { $0["msg"] == "slow request" }
        }
        #expect(warned, "\(stack.logs)")
        let slow = LogLines.parse(stack.responder.process.log).filter { $0["msg"] == "slow request" }
        #expect(slow.count == 1 && slow.first?["level"] == "warning" && slow.first?["route"] == "/agent/query", "\(slow)")
        #expect(try await stack.client.get("/status").json()["slow_requests"]?.intValue == 1)
        let metrics = try PrometheusText(parsing: try await stack.client.get("/metrics").text)
        #expect(metrics.value("agent_fcgi_slow_requests_total") == 1)
    }

    /// An API key from the environment never appears in the log, even at trace level.
    @Test func apiKeyNeverLogged() async throws {
        let key = "sk-e2e-\(UUID().uuidString)"
        let stack = try TestStack(arguments: ["--log-level", "trace"], environment: ["OPENAI_API_KEY": key])
        defer { stack.stop() }
        // A retried failure and a final one make the model path log all it has to say.
        try await stack.llm.script([["status": 503], ["text": "fine"], ["status": 401, "error": "bad key"]])
        #expect(try await stack.post("/agent/query", #"{"message": "one"}"#).status == 200, "\(stack.logs)")
        #expect(try await stack.post("/agent/query", #"{"message": "two"}"#).status == 500)
        _ = try await stack.client.get("/metrics")
        let sent = try await stack.llm.requests().compactMap { $0["headers"]?["authorization"]?.stringValue }
        #expect(sent.contains("Bearer \(key)"), "the key was not even used: \(sent)")
        let log = stack.responder.process.log
        #expect(log.contains("level=debug") || log.contains("level=trace") || log.contains("level=info"))
        #expect(!log.contains(key), "the API key is in the log:\n\(log)")
        #expect(!log.contains(String(key.dropFirst(7).prefix(12))), "part of the API key is in the log")
    }

    /// Logging.format json writes each access line as one JSON object.
    @Test func jsonFormat() async throws {
        let stack = try TestStack(environment: ["AGENT_FCGI_LOGGING_FORMAT": "json"])
        defer { stack.stop() }
        _ = try await stack.client.get("/ping")
        var line: JSONValue?
        _ = TestEnvironment.waitUntil(timeout: 5) {
            line = stack.responder.process.log.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
                .first { $0["logger"]?.stringValue == "agent-fcgi.access" }
            return line != nil
        }
        let access = try #require(line, "\(stack.responder.process.log)")
        #expect(access["msg"] == "request" && access["level"] == "info")
        #expect(access["method"] == "GET" && access["path"] == "/ping" && access["status"] == "200" && access["bytes"] == "4")
        #expect(!stack.responder.process.log.contains("level=info"), "a logfmt line slipped through")
    }

    /// Logging.file gets every line, and SIGUSR1 after a rotation starts a new file.
    @Test func logFileReopensAfterRotation() async throws {
        let stack = try TestStack(config: "logging:\n  file: @DIR@/agent.log\n")
        defer { stack.stop() }
        let current = stack.directory + "/agent.log"
        let rotated = current + ".1"
        func fileHas(_ path: String, _ text: String) -> Bool {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains(text)
        }
        _ = try await stack.client.get("/ping")
        #expect(TestEnvironment.waitUntil(timeout: 5) { fileHas(current, "path=/ping") }, "\(stack.logs)")
        try FileManager.default.moveItem(atPath: current, toPath: rotated)
        _ = try await stack.client.get("/status")
        #expect(TestEnvironment.waitUntil(timeout: 5) { fileHas(rotated, "path=/status") }, "before USR1 the old file is still written")
        stack.responder.process.signal(SIGUSR1)
        #expect(TestEnvironment.waitUntil(timeout: 5) { fileHas(current, "SIGUSR1: log file reopened") }, "\(stack.logs)")
        _ = try await stack.client.get("/health")
        #expect(TestEnvironment.waitUntil(timeout: 5) { fileHas(current, "path=/health") })
        #expect(!fileHas(rotated, "path=/health"))
        #expect(stack.responder.process.log.contains("path=/health"), "stderr keeps getting every line too")
    }
}
