import AgentCore
import Foundation

/// Requests to a cluster: through the shared upstream, or through one responder's own port.
extension ResponderCluster {
    /// POSTs JSON through the shared upstream, or through responder `through` alone.
    public func post(_ path: String, _ body: JSONValue = [:], through responder: Int? = nil) async throws -> HTTPTestResponse {
        try await (responder.map(client) ?? client).request("POST", path, headers: [("Content-Type", "application/json")],
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

    /// Which responders answered a finished request of `path` (their access lines) for
    /// `sessionId`, or with `status` (a refused request's line names no session).
    public func servers(of path: String, session sessionId: String? = nil, status: Int? = nil) -> Set<Int> {
        Set((0..<count).filter { index in
            responderLog(index).split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.contains { $0 == "path=\(path)" }
                    && (sessionId.map { id in fields.contains { $0 == "session_id=\(id)" } } ?? true)
                    && (status.map { code in fields.contains { $0 == "status=\(code)" } } ?? true)
            }
        })
    }

    /// psql on the shared database (blocking: from a plain thread or a test's setup): the one value the query selects.
    public func psql(_ sql: String) throws -> String {
        try PostgresTestCluster.psql(databaseURL, sql)
    }
}
