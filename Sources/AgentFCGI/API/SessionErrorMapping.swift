import AgentCore

extension SessionError {
    /// The HTTP answer docs/API.md §1 gives each session failure.
    var httpError: HTTPError {
        switch self {
        case .notFound(let id):
            return HTTPError(404, "Session \(id) not found")
        case .invalidId(let id):
            return .unprocessable([.patternMismatch(["path", "session_id"], pattern: SessionID.pattern, input: id)])
        case .invalidCursor(let cursor):
            return .unprocessable([ValidationIssue(type: "value_error", loc: ["query", "cursor"],
                                                   msg: "Value error, not a cursor this server handed out",
                                                   input: .string(cursor))])
        case .busy, .conflict, .nothingPending:
            return HTTPError(409, description)
        case .unknownToolCall(let index, let toolCallId):
            return .unprocessable([.valueError(["body", "decisions", .number(Double(index)), "tool_call_id"],
                                               "no tool call with this id is waiting for approval",
                                               input: .string(toolCallId))])
        case .storeFailed:
            return .internalError(description)
        case .capacity(let retryAfter):
            return .unavailable(description, retryAfterSeconds: retryAfter)
        case .storeUnavailable, .toolsUnavailable:
            return .unavailable(description, retryAfterSeconds: 5)
        }
    }
}

/// Runs a session operation and turns its `SessionError` into the HTTP shape.
func mappingSessionErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as SessionError {
        throw error.httpError
    }
}
