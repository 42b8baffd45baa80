import AgentCore

/// The body of the three query endpoints (the reference's `QueryRequest`, plus the query options).
struct QueryRequest: Sendable {
    var message: ChatMessage
    var sessionId: String?
    var options: QueryOptions

    var input: QueryInput { QueryInput(message: message, options: options) }

    /// Validates like pydantic would: `message` required (a string, or a list of text and image
    /// parts), `session_id` optional string, `stream` optional boolean (accepted and ignored:
    /// the endpoint decides), `model` one of `choices.models`, `response_format` OpenAI's shape,
    /// `tools` names from `choices.tools`. Unknown fields ignored.
    init(_ request: HTTPRequest, choices: QueryFields.Choices) throws(HTTPError) {
        let body = try request.jsonObjectBody()
        var issues: [ValidationIssue] = []
        let (message, messageIssues) = QueryFields.message(body["message"], at: ["body", "message"], body: .object(body))
        issues += messageIssues
        do { sessionId = try body.optionalString("session_id") } catch { issues += Self.issues(of: error) }
        if let stream = body["stream"], !Self.isLaxBool(stream) {
            issues.append(.boolType(["body", "stream"], input: stream))
        }
        // Validated here, not by the session layer, so the 422 names the body field (as pydantic
        // would) and comes with the other issues of the same body.
        if let id = sessionId, !id.isEmpty, !SessionID.isValid(id) {
            issues.append(.patternMismatch(["body", "session_id"], pattern: SessionID.pattern, input: id))
        }
        let (model, modelIssues) = QueryFields.model(body["model"], at: ["body", "model"], choices: choices)
        let (format, formatIssues) = QueryFields.responseFormat(body["response_format"], at: ["body", "response_format"])
        let (tools, toolIssues) = QueryFields.tools(body["tools"], at: ["body", "tools"], choices: choices)
        issues += modelIssues + formatIssues + toolIssues
        guard issues.isEmpty, let message else { throw .unprocessable(issues) }
        self.message = message
        self.options = QueryOptions(model: model, responseFormat: format, tools: tools)
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
