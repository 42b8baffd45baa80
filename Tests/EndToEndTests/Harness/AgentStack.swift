import AgentCore
import Foundation

/// A `TestStack` whose responder talks to its own scripted fake LLM (`OPENAI_BASE_URL`).
/// Model retries are off unless a test asks for them, so a scripted failure is seen at once.
final class AgentStack: Sendable {
    let llm: FakeLLMProcess
    let stack: TestStack
    private let llmDirectory: String

    var client: HTTPTestClient { stack.client }

    init(_ kind: WebServerInstance.Kind = .nginx, arguments: [String] = [], environment: [String: String] = [:],
         nginxHTTPExtra: String = "") throws {
        llmDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-llm")
        do {
            llm = try FakeLLMProcess(directory: llmDirectory)
        } catch {
            try? FileManager.default.removeItem(atPath: llmDirectory)
            throw error
        }
        let defaults = ["OPENAI_BASE_URL": llm.openAIBaseURL, "AGENT_FCGI_MODEL_MAX_ATTEMPTS": "1",
                        "AGENT_FCGI_MODEL_NAME": "fake-model"]
        do {
            stack = try TestStack(kind, responderArguments: arguments,
                                  responderEnvironment: defaults.merging(environment) { _, new in new },
                                  nginxHTTPExtra: nginxHTTPExtra)
        } catch {
            llm.stop()
            try? FileManager.default.removeItem(atPath: llmDirectory)
            throw error
        }
    }

    deinit {
        stop()
    }

    func stop() {
        stack.stop()
        llm.stop()
        try? FileManager.default.removeItem(atPath: llmDirectory)
    }

    var logs: String {
        stack.logs + "\n--- fake llm ---\n" + llm.process.log.suffix(3000)
    }

    // MARK: Requests

    func postJSON(_ path: String, _ body: JSONValue, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")] + headers,
                                 body: Data(body.serialized().utf8))
    }

    /// POSTs `body` to a streaming endpoint and reads the SSE response to its end.
    func stream(_ path: String, _ body: JSONValue, headers: [(String, String)] = [], timeout: Double = 60) async throws -> HTTPTestStream {
        try await client.stream(path, method: "POST", headers: [("Content-Type", "application/json")] + headers,
                                body: Data(body.serialized().utf8), timeout: timeout)
    }

    /// One query on `/agent/query-stream` (or `-delta`) with its frames decoded.
    func query(_ message: String, session: String? = nil, delta: Bool = false,
               headers: [(String, String)] = []) async throws -> QueryStream {
        var body: [String: JSONValue] = ["message": .string(message)]
        if let session { body["session_id"] = .string(session) }
        let raw = try await stream(delta ? "/agent/query-stream-delta" : "/agent/query-stream", .object(body), headers: headers)
        return try QueryStream(raw)
    }
}

/// A query stream with each event's JSON parsed, and the §4 invariants as one check.
struct QueryStream: Sendable {
    let raw: HTTPTestStream
    let events: [JSONValue]

    init(_ raw: HTTPTestStream) throws {
        self.raw = raw
        events = try raw.events.map { frame in
            guard let data = frame.data else { throw TestFailure("an event frame without data: \(frame.text.debugDescription)") }
            return try JSONValue.parse(Data(data.utf8))
        }
    }

    var types: [String] { events.map { $0["type"]?.stringValue ?? "?" } }
    var seqs: [Int] { events.compactMap { $0["seq"]?.intValue } }
    var sessionId: String? { events.first?["session_id"]?.stringValue }
    func first(_ type: String) -> JSONValue? { events.first { $0["type"]?.stringValue == type } }
    func all(_ type: String) -> [JSONValue] { events.filter { $0["type"]?.stringValue == type } }

    /// API.md §4 (1, 2) and §1.1: the problems found, empty when the stream keeps the contract.
    var contractViolations: [String] {
        var problems: [String] = []
        let types = self.types
        if raw.status != 200 { problems.append("status \(raw.status)") }
        if raw.frames.last?.text != ": done" { problems.append("last frame is not ': done': \(raw.frames.last?.text ?? "none")") }
        let terminals = types.indices.filter { ["final", "error"].contains(types[$0]) }
        if terminals.count != 1 { problems.append("\(terminals.count) final/error events: \(types)") }
        if let terminal = terminals.first, terminal != types.count - 2 || types.last != "usage" {
            problems.append("the terminal event must be followed by usage and nothing else: \(types)")
        }
        for (frame, event) in zip(raw.events, events) where frame.id != event["seq"]?.intValue {
            problems.append("id line \(String(describing: frame.id)) differs from seq \(String(describing: event["seq"]))")
        }
        if seqs != seqs.sorted() || Set(seqs).count != seqs.count { problems.append("seq not strictly increasing: \(seqs)") }
        for (index, event) in events.enumerated() where event["type"] == "tool_call" {
            let id = event["tool_call_id"]
            let later = events[(index + 1)...]
            guard let result = later.firstIndex(where: { $0["type"] == "tool_result" && $0["tool_call_id"] == id }) else {
                problems.append("tool_call \(String(describing: id)) has no tool_result")
                continue
            }
            if !events[(result + 1)...].contains(where: { $0["type"] == "step_complete" && $0["step_id"] == id }) {
                problems.append("tool_call \(String(describing: id)) has no step_complete after its result")
            }
        }
        for event in events {
            for key in ["type", "timestamp", "session_id", "query_id", "seq"] where event[key] == nil {
                problems.append("event without \(key): \(event)")
            }
            if let stamp = event["timestamp"]?.stringValue, Timestamp.parse(stamp) == nil || !stamp.hasSuffix("Z") {
                problems.append("timestamp not RFC 3339 UTC: \(stamp)")
            }
        }
        return problems
    }
}
