import AgentCore
import Foundation

/// The responder's HTTP API as the chat uses it, over AgentCore's shared libcurl loop (the one
/// the agent's model clients use). Errors name the request and carry the server's `detail`.
struct ChatAPI: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let baseURL: String
    private let client = HTTPClient.shared

    init(baseURL: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
    }

    func createSession() async throws -> String {
        let answer = try await call("POST", "/sessions", body: [:])
        guard let id = answer["session_id"]?.stringValue else { throw Failure(description: "POST /sessions: no session_id in \(answer.serialized())") }
        return id
    }

    /// `{"session_id","created_at","last_used_at","message_count"}` per session.
    func sessions() async throws -> [JSONValue] {
        try await call("GET", "/sessions")["sessions"]?.arrayValue ?? []
    }

    /// The session's Usage object (docs/API.md §1).
    func usage(of session: String) async throws -> JSONValue {
        try await call("GET", "/agent/usage/\(session)")["usage"] ?? .null
    }

    func clear(_ session: String) async throws {
        _ = try await call("POST", "/sessions/\(session)/clear", body: [:])
    }

    /// True when a running query was cancelled.
    func cancel(_ session: String) async throws -> Bool {
        try await call("POST", "/sessions/\(session)/cancel", body: [:])["cancelled"]?.boolValue ?? false
    }

    /// Sends `message` to the token-level stream and hands over each event as it arrives.
    /// Returns when the server ends the stream; cancelling the task aborts the transfer.
    func streamQuery(_ message: String, session: String, onEvent: (JSONValue) -> Void) async throws {
        try await stream("/agent/query-stream-delta", ["message": .string(message), "session_id": .string(session)],
                         onEvent: onEvent)
    }

    /// Decides every waiting tool call of the session at once (docs/API.md §5) and hands over
    /// the continuation's token-level events as they arrive.
    func streamDecisions(_ decisions: [JSONValue], session: String, onEvent: (JSONValue) -> Void) async throws {
        try await stream("/sessions/\(session)/approvals?stream=delta", ["decisions": .array(decisions)], onEvent: onEvent)
    }

    private func stream(_ path: String, _ body: JSONValue, onEvent: (JSONValue) -> Void) async throws {
        let request = HTTPClientRequest(
            url: baseURL + path, method: "POST",
            headers: [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "text/event-stream")],
            body: Array(body.serialized().utf8),
            // No total limit: an answer may take long. The server's heartbeat keeps it from stalling.
            timeouts: HTTPTimeouts(connect: 10, total: nil, stallSeconds: 120))
        let response = try await client.send(request)
        guard response.status == 200 else { throw try await failure("POST \(path)", response) }
        var parser = SSEParser()
        for try await chunk in response.body {
            for event in parser.feed(chunk) { try onEvent(Self.decode(event)) }
        }
        for event in parser.finish() { try onEvent(Self.decode(event)) }
    }

    private static func decode(_ event: SSEEvent) throws -> JSONValue {
        do {
            return try JSONValue.parse(Array(event.data.utf8))
        } catch {
            throw Failure(description: "stream event \(event.id ?? "?") is not JSON (\(error)): \(event.data.prefix(200))")
        }
    }

    private func call(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let request = HTTPClientRequest(
            url: baseURL + path, method: method,
            headers: body == nil ? [] : [HTTPHeader("Content-Type", "application/json")],
            body: body.map { Array($0.serialized().utf8) },
            timeouts: HTTPTimeouts(connect: 10, total: 30, stallSeconds: 30))
        let response: HTTPClientResponse
        do {
            response = try await client.send(request)
        } catch {
            throw Failure(description: "\(method) \(baseURL)\(path) failed: \(error)")
        }
        guard (200..<300).contains(response.status) else { throw try await failure("\(method) \(path)", response) }
        let bytes = try await response.collect(upTo: 16 << 20)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw Failure(description: "\(method) \(path): the answer is not JSON (\(error))")
        }
    }

    private func failure(_ request: String, _ response: HTTPClientResponse) async throws -> Failure {
        let bytes = (try? await response.collect(upTo: 64 << 10)) ?? []
        let detail = (try? JSONValue.parse(bytes))?["detail"].map { $0.stringValue ?? $0.serialized() }
            ?? String(decoding: bytes.prefix(300), as: UTF8.self)
        return Failure(description: "\(request) answered \(response.status): \(detail)")
    }
}
