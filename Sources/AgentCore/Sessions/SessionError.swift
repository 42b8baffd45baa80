import Foundation

/// Why a session operation could not be done. Each case maps to one HTTP answer (docs/API.md §1).
public enum SessionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 404 `Session <id> not found` — also for a session owned by another principal.
    case notFound(id: String)
    /// 422: the id does not match `^[A-Za-z0-9._:-]{1,128}$`.
    case invalidId(id: String)
    /// 409 under the `reject` policy, or when the queue is full.
    case busy(id: String, runningQueryId: String?, reason: String)
    /// 503 + Retry-After: every session held in memory is busy.
    case capacity(retryAfterSeconds: Int)
    /// 422: a `cursor` that no listing handed out.
    case invalidCursor(String)
    /// 503 + Retry-After: the store cannot take writes, so nothing is started that could not be
    /// persisted (or a turn could not be saved and was rolled back; `reason` says what was kept).
    case storeUnavailable(reason: String)
    /// 503: a required MCP server is down, so a query could not use the tools it is promised.
    case toolsUnavailable(reason: String)
    /// 409: the request lost a race with another on the same session (a query cancelled by
    /// DELETE or clear, a session deleted while a query used it). The client's conflict, not ours.
    case conflict(id: String, reason: String)
    /// 409: `POST /sessions/{id}/approvals` on a session whose last turn waits for nothing.
    case nothingPending(id: String)
    /// 422: a decision names a tool call that is not waiting (`index` is its place in `decisions`).
    case unknownToolCall(index: Int, toolCallId: String)
    /// 500: the store refused a write for a reason other than storage trouble (a bug); `reason`
    /// says what the session kept.
    case storeFailed(reason: String)

    public var description: String {
        switch self {
        case .notFound(let id): return "Session \(id) not found"
        case .invalidId(let id): return "invalid session id \(id.debugDescription): must match \(SessionID.pattern)"
        case .busy(let id, let queryId, let reason):
            return "Session \(id) is busy\(queryId.map { " with query \($0)" } ?? ""): \(reason)"
        case .capacity: return "All sessions held in memory are busy; try again shortly"
        case .invalidCursor(let cursor): return "invalid cursor \(cursor.debugDescription)"
        case .storeUnavailable(let reason): return "Session store unavailable: \(reason)"
        case .toolsUnavailable(let reason): return "Tools unavailable: \(reason)"
        case .conflict(let id, let reason): return "Session \(id): \(reason)"
        case .storeFailed(let reason): return "Session store failed: \(reason)"
        case .nothingPending(let id): return "Session \(id): no tool call is waiting for approval"
        case .unknownToolCall(_, let toolCallId):
            return "tool call \(toolCallId.debugDescription) is not waiting for approval in this session"
        }
    }
}
