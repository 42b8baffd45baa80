import Foundation

/// Limits of one transfer. A stall is `stallSeconds` in a row with less than `stallBytesPerSecond`.
public struct HTTPTimeouts: Sendable, Hashable {
    public var connect: Double
    /// Whole-transfer deadline in seconds, body included; nil for none (a long stream).
    public var total: Double?
    public var stallSeconds: Int?
    public var stallBytesPerSecond: Int

    public init(connect: Double = 10, total: Double? = nil, stallSeconds: Int? = 60, stallBytesPerSecond: Int = 1) {
        self.connect = connect
        self.total = total
        self.stallSeconds = stallSeconds
        self.stallBytesPerSecond = stallBytesPerSecond
    }
}

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

public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// The first value of a header, names compared case-insensitively.
    public subscript(name: String) -> String? {
        first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
