import AgentCore

/// The body of the three query endpoints (the reference's `QueryRequest`).
struct QueryRequest: Sendable {
    var message: String
    var sessionId: String?

    /// Validates like pydantic would: `message` required string, `session_id` optional string,
    /// `stream` optional boolean (accepted and ignored: the endpoint decides). Unknown fields ignored.
    init(_ request: HTTPRequest) throws(HTTPError) {
        let body = try request.jsonObjectBody()
        var issues: [ValidationIssue] = []
        var message = ""
        do { message = try body.requiredString("message") } catch { issues += Self.issues(of: error) }
        do { sessionId = try body.optionalString("session_id") } catch { issues += Self.issues(of: error) }
        if let stream = body["stream"], !Self.isLaxBool(stream) {
            issues.append(.boolType(["body", "stream"], input: stream))
        }
        guard issues.isEmpty else { throw .unprocessable(issues) }
        self.message = message
        if sessionId?.isEmpty == true { sessionId = nil }
    }

    private static func issues(of error: HTTPError) -> [ValidationIssue] {
        guard case .array(let items) = error.detail else { return [] }
        return items.compactMap { item in
            guard let type = item["type"]?.stringValue, let loc = item["loc"]?.arrayValue,
                  let msg = item["msg"]?.stringValue else { return nil }
            return ValidationIssue(type: type, loc: loc, msg: msg, input: item["input"] ?? .null)
        }
    }

    /// pydantic's lax booleans: true/false, 0/1, and the usual strings.
    private static func isLaxBool(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .bool: return true
        case .number(let number): return number == 0 || number == 1
        case .string(let text):
            return ["0", "1", "true", "false", "yes", "no", "on", "off", "t", "f", "y", "n"].contains(text.lowercased())
        default: return false
        }
    }
}
