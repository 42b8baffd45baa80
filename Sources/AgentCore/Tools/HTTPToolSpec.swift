import Foundation

/// An operator-defined tool that calls an HTTP endpoint (from the config file; no Swift needed).
///
/// `{name}` placeholders in the URL are filled from the arguments (percent-escaped); the arguments
/// not used by the URL go as the JSON body of POST, PUT and PATCH. A non-2xx answer is an error
/// result the model sees, with the status and the start of the body.
public struct HTTPToolSpec: Sendable, Hashable {
    public var name: String
    public var description: String
    public var parameters: JSONValue
    public var method: String
    public var urlTemplate: String
    /// Header lines as sent; `${VAR}` was already filled from the server environment.
    public var headers: [HTTPHeader]
    public var timeout: Duration
    /// Bytes of the response kept; the rest is cut with a note saying so.
    public var responseCap: Int
    public var ephemeral: Int?
    public var displayName: String?

    public static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    public init(name: String, description: String, parameters: JSONValue = ["type": "object"], method: String = "GET",
                urlTemplate: String, headers: [HTTPHeader] = [], timeout: Duration = .seconds(30),
                responseCap: Int = 64 * 1024, ephemeral: Int? = nil, displayName: String? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.method = method
        self.urlTemplate = urlTemplate
        self.headers = headers
        self.timeout = timeout
        self.responseCap = responseCap
        self.ephemeral = ephemeral
        self.displayName = displayName
    }

    /// Reads the snake_case config fields: name, description, parameters, method, url, headers
    /// ("Name: value" lines), timeout_seconds, response_cap_bytes, ephemeral, display_name.
    public init(json: JSONValue, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let fields = ToolSpecFields(json: json, kind: "HTTP tool")
        let name = try fields.requiredString("name")
        let description = try fields.requiredString("description")
        guard let url = json["url"]?.stringValue, let scheme = URLComponents(string: url.replacingOccurrences(of: "{", with: "")
            .replacingOccurrences(of: "}", with: ""))?.scheme, ["http", "https"].contains(scheme) else {
            throw fields.fail("\"url\" must be an http(s) URL")
        }
        self.init(name: name, description: description, urlTemplate: url)
        if let method = try fields.optionalString("method")?.uppercased() {
            guard Self.methods.contains(method) else {
                throw fields.fail("\"method\" must be one of \(Self.methods.sorted().joined(separator: ", "))")
            }
            self.method = method
        }
        if let parameters = try fields.parameters() { self.parameters = parameters }
        for line in try fields.stringList("headers", "a list of \"Name: value\" lines") ?? [] {
            guard let colon = line.firstIndex(of: ":") else { throw fields.fail("each header is \"Name: value\"") }
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                                      Self.expandEnvironment(value, environment)))
        }
        if let timeout = try fields.timeout() { self.timeout = timeout }
        if let cap = try fields.positiveInt("response_cap_bytes") { responseCap = cap }
        ephemeral = try fields.ephemeral()
        displayName = try fields.optionalString("display_name")
    }

    /// `${VAR}` comes from the server's environment, so secrets stay out of the config file.
    public static func expandEnvironment(_ text: String, _ environment: [String: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            result += environment[String(rest[start.upperBound..<end])] ?? ""
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}
