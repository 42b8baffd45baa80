import AgentCore
import Foundation

/// The requests the end-to-end tests make through the web server.
extension TestStack {
    /// `POST path` with a JSON body.
    public func postJSON(_ path: String, _ body: JSONValue, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")] + headers,
                                 body: Data(body.serialized().utf8))
    }

    /// `POST path` with JSON given as text (for bodies a JSONValue cannot express, e.g. malformed).
    public func post(_ path: String, _ json: String, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: Data(json.utf8))
    }

    /// `GET path`, which must answer 200; the body parsed.
    public func getJSON(_ path: String) async throws -> JSONValue {
        let response = try await client.get(path)
        guard response.status == 200 else {
            // A 5xx here is the stack's fault, not the test's: the logs say which part failed.
            let logs = response.status >= 500 && response.diagnostics.isEmpty ? "\n" + self.logs.suffix(4000) : ""
            throw TestFailure("GET \(path) answered \(response.status): \(response.text)\(logs)")
        }
        return try response.json()
    }

    /// POSTs `body` to a streaming endpoint and reads the SSE response to its end.
    public func stream(_ path: String, _ body: JSONValue, headers: [(String, String)] = [],
                       timeout: Double = 60) async throws -> HTTPTestStream {
        try await client.stream(path, method: "POST", headers: [("Content-Type", "application/json")] + headers,
                                body: Data(body.serialized().utf8), timeout: timeout)
    }

    /// One query on `/agent/query-stream` (or `-delta`) with its frames decoded.
    public func query(_ message: String, session: String? = nil, delta: Bool = false,
                      headers: [(String, String)] = []) async throws -> QueryStream {
        var body: [String: JSONValue] = ["message": .string(message)]
        if let session { body["session_id"] = .string(session) }
        let raw = try await stream(delta ? "/agent/query-stream-delta" : "/agent/query-stream", .object(body), headers: headers)
        return try QueryStream(raw)
    }

    /// Opens an SSE request and reads frames until `enough` holds, then hangs up (a client
    /// dropping mid-stream). Returns what arrived; the whole stream if it ended first.
    /// With `whileOpen`, that runs instead of hanging up, and reading goes on to the end.
    public func readStream(_ method: String, _ path: String, body: JSONValue? = nil, headers: [(String, String)] = [],
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
    public func eventLog(_ sessionId: String, query: String = "after=0", headers: [(String, String)] = []) async throws
        -> HTTPTestStream {
        let stream = try await client.stream("/sessions/\(sessionId)/events?\(query)", headers: headers)
        guard stream.status == 200 else { throw TestFailure("events of \(sessionId) answered \(stream.status)") }
        return stream
    }
}
