import Foundation

/// Calls an operator-configured HTTP endpoint through the shared curl loop (`HTTPToolSpec`).
public struct HTTPTool: Tool {
    public let spec: HTTPToolSpec
    let client: HTTPClient

    public init(spec: HTTPToolSpec, client: HTTPClient = .shared) {
        self.spec = spec
        self.client = client
    }

    public var definition: ToolDefinition {
        ToolDefinition(name: spec.name, description: spec.description, parameters: spec.parameters)
    }

    public var displayName: String { spec.displayName ?? spec.name }
    public var timeout: Duration? { spec.timeout }
    public var ephemeral: Int? { spec.ephemeral }

    public func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let (url, used) = Self.fill(spec.urlTemplate, with: arguments)
        var headers = spec.headers
        var body: [UInt8]?
        if ["POST", "PUT", "PATCH"].contains(spec.method) {
            let rest = (arguments.objectValue ?? [:]).filter { !used.contains($0.key) }
            body = Array(JSONValue.object(rest).serialized().utf8)
            if headers["Content-Type"] == nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        }
        let seconds = spec.timeout.inSeconds
        let request = HTTPClientRequest(url: url, method: spec.method, headers: headers, body: body,
                                        timeouts: HTTPTimeouts(connect: min(10, seconds), total: seconds))
        let response = try await client.send(request)
        var bytes: [UInt8] = []
        var truncated = false
        for try await chunk in response.body {
            bytes += chunk.prefix(spec.responseCap - bytes.count)
            if bytes.count >= spec.responseCap {
                truncated = true
                break
            }
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if truncated { text += "\n[response cut at \(spec.responseCap) bytes]" }
        guard (200..<300).contains(response.status) else {
            return .error("HTTP \(response.status) from \(request.host): \(text.prefix(2000))")
        }
        return ToolOutput(content: text)
    }

    /// Fills `{name}` placeholders with percent-escaped argument values; returns the names used.
    ///
    /// Each value stays one path segment whatever the model sends: `/` and every character but
    /// the RFC 3986 unreserved ones are escaped, and a value of only dots (`.`, `..`) is sent as
    /// `%2E`s, so it is never a dot-segment that would climb out of the template's path
    /// (`POST /items/{id}` with `..` stays `/items/%2E%2E`, not `POST /`). libcurl is told not
    /// to normalise the path either (`CURLOPT_PATH_AS_IS`).
    static func fill(_ template: String, with arguments: JSONValue) -> (String, Set<String>) {
        var result = ""
        var used: Set<String> = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            let value: String
            switch arguments[name] {
            case .string(let text)?: value = text
            case let other?: value = other.serialized()
            case nil: value = ""
            }
            used.insert(name)
            result += escapeSegment(value)
            rest = rest[rest.index(after: close)...]
        }
        return (result + rest, used)
    }

    /// One placeholder value as a path segment that cannot be a dot-segment.
    static func escapeSegment(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ $0 == "." }) {
            return String(repeating: "%2E", count: value.count)
        }
        return value.addingPercentEncoding(withAllowedCharacters: .urlUnreservedCharacters) ?? ""
    }
}

extension CharacterSet {
    /// RFC 3986 unreserved characters: everything else in a placeholder value is escaped.
    static let urlUnreservedCharacters = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
