import AgentCore
import Foundation

/// What a handler returns. Headers keep their order; the responder adds `Content-Length`.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes(Data)
        /// Server-sent events fed by an async producer; the worker thread writes and flushes each frame.
        case eventStream(EventStream)
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Body
    /// The session the request acted on when the path does not name it (a created session, a
    /// blocking query): written to the access log, never sent.
    public var sessionId: String?
    /// The route the router matched (nil for a 404, and for answers made before routing: drain,
    /// body limit, a bad REMOTE_USER): metrics and the access log label the request with it.
    public var route: Router.RouteMatch?

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Body = .bytes(Data())) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively (ASCII, as header names are:
    /// Foundation's `caseInsensitiveCompare` cost 2.5 % of a /health request, asked for every
    /// response's access line).
    public func header(_ name: String) -> String? {
        headers.first(where: { Self.sameHeaderName($0.name, name) })?.value
    }

    static func sameHeaderName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }

    public static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        json(serialized: value.serialized(), status: status)
    }

    /// A JSON object with its fields in the given order (bodies people read, like `/status`).
    public static func json(fields: [(String, JSONValue)], status: Int = 200) -> HTTPResponse {
        json(serialized: JSONValue.serializeObject(fields), status: status)
    }

    public static func json(serialized text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: .bytes(Data(text.utf8)))
    }

    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Data(text.utf8)))
    }

    /// An SSE response with the headers docs/API.md §1.1 fixes; `X-Accel-Buffering: no` stops nginx buffering.
    public static func eventStream(_ stream: EventStream, headers extra: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Cache-Control", "no-cache, no-transform"),
            ("X-Accel-Buffering", "no"),
        ] + extra, body: .eventStream(stream))
    }

    /// The reason phrase for the CGI `Status:` line.
    public static func reason(for status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status \(status)"
        }
    }
}
