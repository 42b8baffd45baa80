import AgentCore
import Foundation

/// A `TestStack` whose responder talks to its own scripted fake LLM (`OPENAI_BASE_URL`).
/// Model retries are off unless a test asks for them, so a scripted failure is seen at once.
final class AgentStack: Sendable {
    let llm: FakeLLMProcess
    let stack: TestStack

    var client: HTTPTestClient { stack.client }

    init(_ kind: WebServerInstance.Kind = .nginx, arguments: [String] = [], environment: [String: String] = [:],
         nginxHTTPExtra: String = "", basicAuthFile: String? = nil) throws {
        llm = try FakeLLMProcess()
        let defaults = ["OPENAI_BASE_URL": llm.openAIBaseURL, "AGENT_FCGI_MODEL_MAX_ATTEMPTS": "1",
                        "AGENT_FCGI_MODEL_NAME": "fake-model"]
        do {
            stack = try TestStack(kind, responderArguments: arguments,
                                  responderEnvironment: defaults.merging(environment) { _, new in new },
                                  nginxHTTPExtra: nginxHTTPExtra, basicAuthFile: basicAuthFile)
        } catch {
            llm.stop()
            throw error
        }
    }

    /// Starts the stack on a thread of its own: starting waits (polls) for three processes, and
    /// that wait must not hold one of the cooperative pool's few threads while other tests need it.
    static func start(_ kind: WebServerInstance.Kind = .nginx, arguments: [String] = [], environment: [String: String] = [:],
                      nginxHTTPExtra: String = "", basicAuthFile: String? = nil) async throws -> AgentStack {
        try await HTTPTestClient.onThread {
            try AgentStack(kind, arguments: arguments, environment: environment, nginxHTTPExtra: nginxHTTPExtra,
                           basicAuthFile: basicAuthFile)
        }
    }

    deinit {
        stop()
    }

    func stop() {
        stack.stop()
        llm.stop()
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
