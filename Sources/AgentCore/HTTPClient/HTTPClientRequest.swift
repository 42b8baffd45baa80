import Foundation

/// One HTTP request for `HTTPClient`. Redirects are not followed.
public struct HTTPClientRequest: Sendable, Hashable {
    public var url: String
    public var method: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?
    public var timeouts: HTTPTimeouts

    public init(url: String, method: String = "GET", headers: [HTTPHeader] = [], body: [UInt8]? = nil,
                timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }

    /// The host part of the URL, for error messages (never the query, which may hold secrets).
    public var host: String {
        URLComponents(string: url)?.host ?? "?"
    }
}
