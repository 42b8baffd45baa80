import Foundation

/// One HTTP request as the web server handed it to us, copied out of libfcgi's buffers.
///
/// A plain value: built on a worker thread, handed to an async handler, safe to keep.
public struct HTTPRequest: Sendable {
    /// Upper-case method, e.g. `GET`.
    public var method: String
    /// Decoded path used for routing, with the configured `base_path` already stripped.
    public var path: String
    /// The query string exactly as received (still percent-encoded), without the `?`.
    public var rawQuery: String
    /// Decoded query pairs in order; a name may repeat.
    public var queryItems: [(name: String, value: String)]
    /// Header names lower-cased (`content-type`, `last-event-id`); repeated headers were joined by nginx.
    public var headers: [String: String]
    public var body: Data
    /// The principal the web server authenticated (`REMOTE_USER`), nil when it did not.
    public var remoteUser: String?
    /// Values of `{name}` segments of the route that matched; filled by the router.
    public var pathParameters: [String: String]

    public init(method: String, path: String, rawQuery: String = "", headers: [String: String] = [:],
                body: Data = Data(), remoteUser: String? = nil, pathParameters: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.queryItems = QueryString.parse(rawQuery)
        self.headers = headers
        self.body = body
        self.remoteUser = remoteUser
        self.pathParameters = pathParameters
    }

    /// The last value of a query parameter (Starlette's rule when a name repeats).
    public func query(_ name: String) -> String? {
        queryItems.last(where: { $0.name == name })?.value
    }

    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// A path parameter the route declared; absent only when the route has no such segment.
    public func pathParameter(_ name: String) -> String? {
        pathParameters[name]
    }
}
