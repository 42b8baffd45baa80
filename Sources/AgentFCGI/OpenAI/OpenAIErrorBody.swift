import AgentCore

/// Errors on the OpenAI front door (`/v1/…`) in OpenAI's shape,
/// `{"error":{"message","type","param","code"}}`, so OpenAI clients raise their usual exceptions.
/// A validation failure is OpenAI's 400 `invalid_request_error` naming the first bad field.
enum OpenAIErrorBody {
    static func response(_ error: HTTPError) -> HTTPResponse {
        var status = error.status
        var message: String
        var param: JSONValue = .null
        var code: JSONValue = error.code.map(JSONValue.string) ?? .null
        if let issues = error.issues, !issues.isEmpty {
            status = 400
            message = issues.map { issue in
                let place = fieldPath(issue.loc)
                return place.isEmpty ? issue.msg : "\(place): \(issue.msg)"
            }.joined(separator: "; ")
            let first = fieldPath(issues[0].loc)
            if !first.isEmpty { param = .string(first) }
            if error.code == nil { code = .string(issues[0].type) }
        } else {
            message = error.detail.stringValue ?? error.detail.serialized()
        }
        if error.code == nil, code == .null, let fallback = defaultCode(status) { code = .string(fallback) }
        let body = JSONValue.serializeObject([("error", .object([
            "message": .string(message), "type": .string(type(for: status)), "param": param, "code": code,
        ]))])
        var response = HTTPResponse.json(serialized: body, status: status)
        response.headers += error.headers
        return response
    }

    /// `["body", "messages", 0, "content"]` → `messages.0.content`; a header stays its name.
    static func fieldPath(_ loc: [JSONValue]) -> String {
        let parts = loc.dropFirst(loc.first == "body" || loc.first == "header" ? 1 : 0)
        return parts.map { $0.stringValue ?? $0.intValue.map(String.init) ?? $0.serialized() }.joined(separator: ".")
    }

    static func type(for status: Int) -> String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 429: return "rate_limit_error"
        case 500...: return "server_error"
        default: return "invalid_request_error"
        }
    }

    private static func defaultCode(_ status: Int) -> String? {
        switch status {
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 409: return "session_busy"
        case 413: return "request_too_large"
        case 503: return "unavailable"
        default: return nil
        }
    }
}
