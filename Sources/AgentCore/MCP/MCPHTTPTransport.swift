import Foundation
import Logging
import MCP

/// MCP's streamable HTTP transport (spec 2025-06-18 and later) for the SDK's `Client`, over our
/// libcurl loop (`HTTPClient`) rather than the SDK's URLSession one.
///
/// Every message is a POST; a request's answer comes back as JSON or as an SSE stream that may
/// carry notifications and server requests before the response. `Mcp-Session-Id` from the
/// `initialize` answer and `MCP-Protocol-Version` go on every later request. A GET stream is kept
/// open for server-initiated messages (`notifications/tools/list_changed`) when the server offers
/// one. A lost session (404), an unreachable server or a stream cut before its response closes
/// the transport; the supervisor reconnects and the call is retried once.
///
/// Threading: an actor; each exchange runs in its own task so `send` never waits for the network.
actor MCPHTTPTransport: Transport {
    nonisolated let logger: Logger
    let url: String
    let headers: [HTTPHeader]
    private let client: HTTPClient
    private let stream: AsyncThrowingStream<Data, Error>
    private let continuation: AsyncThrowingStream<Data, Error>.Continuation
    private let onClose: @Sendable (String) -> Void
    private var sessionId: String?
    private var protocolVersion: String?
    private var initializeId: String?
    private var exchanges: [String: Task<Void, Never>] = [:]
    private var listener: Task<Void, Never>?
    private var closed = false
    /// Largest JSON answer read; a bigger one is an error the model sees, not an out-of-memory.
    static let maxBodyBytes = 64 << 20

    init(url: String, headers: [HTTPHeader], client: HTTPClient = .shared, logger: Logger,
         onClose: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.headers = headers
        self.client = client
        self.logger = logger
        self.onClose = onClose
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, bufferingPolicy: .unbounded)
    }

    /// The session is opened by the first POST (`initialize`).
    func connect() async throws {}

    func disconnect() async {
        if let sessionId, !closed {
            // The spec's polite goodbye; the server drops the session at once instead of at its idle timeout.
            let request = HTTPClientRequest(url: url, method: "DELETE", headers: baseHeaders(user: nil) + [HTTPHeader("Mcp-Session-Id", sessionId)],
                                            timeouts: HTTPTimeouts(connect: 2, total: 2))
            _ = try? await client.send(request)
        }
        close("disconnected")
    }

    func send(_ data: Data) async throws {
        guard !closed else { throw MCPTransportClosed(reason: "the HTTP session is closed") }
        let message = try? JSONValue.parse(data)
        let method = message?["method"]?.stringValue
        let id = message?["id"].flatMap(Self.key)
        if method == "initialize" { initializeId = id }
        if method == "notifications/cancelled", let cancelled = message?["params"]?["requestId"].flatMap(Self.key) {
            exchanges.removeValue(forKey: cancelled)?.cancel()
        }
        var headers = baseHeaders(user: MCPRequestUser.name) + [HTTPHeader("Content-Type", "application/json"),
                                                              HTTPHeader("Accept", "application/json, text/event-stream")]
        if let sessionId { headers.append(HTTPHeader("Mcp-Session-Id", sessionId)) }
        // Requests wait as long as the call may (the caller cancels); notifications and responses do not.
        let isRequest = id != nil && method != nil
        let request = HTTPClientRequest(url: url, method: "POST", headers: headers, body: Array(data),
                                        timeouts: HTTPTimeouts(connect: 10, total: isRequest ? nil : 30, stallSeconds: nil))
        let task = Task { await self.exchange(request, id: isRequest ? id : nil, method: method) }
        if isRequest, let id { exchanges[id] = task }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, Error> {
        stream
    }

    private func baseHeaders(user: String?) -> [HTTPHeader] {
        var result = MCPRequestUser.fill(headers, user: user)
        if let protocolVersion { result.append(HTTPHeader("MCP-Protocol-Version", protocolVersion)) }
        return result
    }

    /// One POST and its answer, fed into the receive stream.
    private func exchange(_ request: HTTPClientRequest, id: String?, method: String?) async {
        defer { if let id { exchanges[id] = nil } }
        do {
            let response = try await client.send(request)
            if method == "initialize", let session = response.headers["Mcp-Session-Id"] { sessionId = session }
            let contentType = response.headers["Content-Type"]?.lowercased() ?? ""
            switch response.status {
            case 200..<300 where contentType.hasPrefix("text/event-stream"):
                let answered = try await relayEvents(response.body, waitingFor: id)
                if let id, !answered {
                    close("the server's event stream for request \(id) ended before its response")
                }
            case 200..<300 where id != nil:
                deliver(try await response.collect(upTo: Self.maxBodyBytes))
            case 200..<300:
                break
            case 404 where sessionId != nil && method != "initialize":
                close("the server no longer knows our session (HTTP 404); it was probably restarted")
            default:
                let body = String(decoding: (try? await response.collect(upTo: 4096)) ?? [], as: UTF8.self)
                let message = "HTTP \(response.status) from \(request.host)" + (body.isEmpty ? "" : ": \(body.prefix(500))")
                if let id {
                    deliver(Self.errorResponse(id: id, message: message))
                } else {
                    logger.warning("MCP server refused a notification", metadata: ["reason": "\(message)"])
                }
            }
        } catch {
            if Task.isCancelled || (error as? HTTPClientError)?.kind == .cancelled { return }
            // A notification that did not get through is not worth a reconnect; a request is.
            if id != nil || method == "notifications/initialized" { close("\(error)") }
        }
        if method == "notifications/initialized", !closed, listener == nil {
            listener = Task { await self.listen() }
        }
    }

    /// Relays every message of an SSE answer; true once the response to `id` went by.
    private func relayEvents(_ body: HTTPBody, waitingFor id: String?) async throws -> Bool {
        var parser = SSEParser()
        var answered = false
        for try await chunk in body {
            for event in parser.feed(chunk) where event.event == nil || event.event == "message" {
                answered = deliver(Array(event.data.utf8), answering: id) || answered
            }
        }
        for event in parser.finish() where event.event == nil || event.event == "message" {
            answered = deliver(Array(event.data.utf8), answering: id) || answered
        }
        return answered
    }

    /// The optional GET stream for messages the server sends on its own. 405: the server has
    /// none. A connection refused means the server is gone, which is how an idle server's death
    /// is noticed; anything else, the stream is opened again a second later.
    private func listen() async {
        while !closed, !Task.isCancelled {
            var headers = baseHeaders(user: nil) + [HTTPHeader("Accept", "text/event-stream")]
            if let sessionId { headers.append(HTTPHeader("Mcp-Session-Id", sessionId)) }
            let request = HTTPClientRequest(url: url, method: "GET", headers: headers,
                                            timeouts: HTTPTimeouts(connect: 5, total: nil, stallSeconds: nil))
            do {
                let response = try await client.send(request)
                if response.status == 405 { return }
                if response.status == 404, sessionId != nil {
                    close("the server no longer knows our session (HTTP 404); it was probably restarted")
                    return
                }
                if response.status == 200 { _ = try await relayEvents(response.body, waitingFor: nil) }
            } catch let error as HTTPClientError where error.kind == .connect {
                close("\(error)")
                return
            } catch {
                if Task.isCancelled { return }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    @discardableResult
    private func deliver(_ bytes: [UInt8], answering id: String? = nil) -> Bool {
        guard !closed else { return false }
        var answered = false
        if let message = try? JSONValue.parse(bytes), message["method"] == nil, let messageId = message["id"].flatMap(Self.key) {
            answered = messageId == id
            if messageId == initializeId, let version = message["result"]?["protocolVersion"]?.stringValue {
                protocolVersion = version
            }
        }
        continuation.yield(Data(bytes))
        return answered
    }

    private func close(_ reason: String) {
        guard !closed else { return }
        closed = true
        listener?.cancel()
        for task in exchanges.values { task.cancel() }
        exchanges = [:]
        continuation.finish(throwing: MCPTransportClosed(reason: reason))
        onClose(reason)
    }

    /// JSON-RPC ids are strings or numbers; one spelling for both as a dictionary key.
    static func key(_ id: JSONValue) -> String? {
        switch id {
        case .string(let text): return "s:" + text
        case .number: return "n:" + id.serialized()
        default: return nil
        }
    }

    /// An HTTP failure answering a request, as the JSON-RPC error the client is waiting for.
    static func errorResponse(id: String, message: String) -> [UInt8] {
        let raw: JSONValue = id.hasPrefix("s:") ? .string(String(id.dropFirst(2))) : ((try? JSONValue.parse(String(id.dropFirst(2)))) ?? .null)
        let error: JSONValue = ["code": -32603, "message": .string(message)]
        return Array(JSONValue.object(["jsonrpc": "2.0", "id": raw, "error": error]).serialized().utf8)
    }
}
