import Foundation

public enum StepStatus: String, Sendable, Hashable, Codable {
    case completed, error, cancelled
}

public enum FinalStatus: String, Sendable, Hashable, Codable {
    case completed
    case maxIterations = "max_iterations"
    case cancelled
    case interrupted
}

public enum AgentErrorCode: String, Sendable, Hashable, Codable {
    case llmError = "llm_error"
    case timeout
    case cancelled
    case budgetExceeded = "budget_exceeded"
    case internalError = "internal"
}

/// What happened during a query, in docs/API.md §1.2 terms. The session stamps each with its
/// `session_id`, `query_id` and `seq` (see `StampedEvent`).
public enum AgentEvent: Sendable, Hashable {
    case thinking(content: String)
    case text(content: String)
    case stepStart(stepId: String, title: String, stepNumber: Int)
    case toolCall(tool: String, args: JSONValue, toolCallId: String, displayName: String)
    case toolResult(tool: String, result: String, toolCallId: String, isError: Bool, screenshotBase64: String?)
    case stepComplete(stepId: String, status: StepStatus, durationMs: Int)
    case hidden(content: String)
    case textDelta(delta: String)
    case thinkingStart(thinkId: String)
    case thinkingDelta(thinkId: String, delta: String)
    case thinkingEnd(thinkId: String)
    case final(content: String, status: FinalStatus)
    case usage(SessionUsage)
    case error(message: String, code: AgentErrorCode)
    /// A gated tool call waits for a person's decision (`agent.approval.tools`).
    case approvalRequest(toolCallId: String, tool: String, args: JSONValue)
    /// The query's `final` when it paused for approvals: `status:"awaiting_approval"` and the
    /// calls that wait. A case of its own (not a `FinalStatus`) because it carries `pending`.
    case awaitingApproval(pending: [String])

    public var type: String {
        switch self {
        case .thinking: return "thinking"
        case .text: return "text"
        case .stepStart: return "step_start"
        case .toolCall: return "tool_call"
        case .toolResult: return "tool_result"
        case .stepComplete: return "step_complete"
        case .hidden: return "hidden"
        case .textDelta: return "text_delta"
        case .thinkingStart: return "thinking_start"
        case .thinkingDelta: return "thinking_delta"
        case .thinkingEnd: return "thinking_end"
        case .final: return "final"
        case .usage: return "usage"
        case .error: return "error"
        case .approvalRequest: return "approval_request"
        case .awaitingApproval: return "final"
        }
    }

    /// Ends a query: exactly one per query.
    public var isTerminal: Bool {
        switch self {
        case .final, .error, .awaitingApproval: return true
        default: return false
        }
    }

    /// The answer as `/agent/query` and the OpenAI front door return it: `final`'s content;
    /// empty for any other event (an `error` has no answer).
    public var responseText: String {
        if case .final(let content, _) = self { return content }
        return ""
    }

    /// The event's own fields, in the reference's order.
    public var fields: [(String, JSONValue)] {
        switch self {
        case .thinking(let content), .text(let content), .hidden(let content):
            return [("content", .string(content))]
        case .stepStart(let stepId, let title, let stepNumber):
            return [("step_id", .string(stepId)), ("title", .string(title)), ("step_number", .number(Double(stepNumber)))]
        case .toolCall(let tool, let args, let toolCallId, let displayName):
            return [("tool", .string(tool)), ("args", args), ("tool_call_id", .string(toolCallId)),
                    ("display_name", .string(displayName))]
        case .toolResult(let tool, let result, let toolCallId, let isError, let screenshot):
            return [("tool", .string(tool)), ("result", .string(result)), ("tool_call_id", .string(toolCallId)),
                    ("is_error", .bool(isError)), ("screenshot_base64", screenshot.map(JSONValue.string) ?? .null)]
        case .stepComplete(let stepId, let status, let durationMs):
            return [("step_id", .string(stepId)), ("status", .string(status.rawValue)),
                    ("duration_ms", .number(Double(durationMs)))]
        case .textDelta(let delta):
            return [("delta", .string(delta))]
        case .thinkingStart(let thinkId), .thinkingEnd(let thinkId):
            return [("think_id", .string(thinkId))]
        case .thinkingDelta(let thinkId, let delta):
            return [("think_id", .string(thinkId)), ("delta", .string(delta))]
        case .final(let content, let status):
            return [("content", .string(content)), ("status", .string(status.rawValue))]
        case .usage(let usage):
            return [("usage", usage.json)]
        case .error(let message, let code):
            return [("error", .string(message)), ("code", .string(code.rawValue))]
        case .approvalRequest(let toolCallId, let tool, let args):
            return [("tool_call_id", .string(toolCallId)), ("tool", .string(tool)), ("args", args)]
        case .awaitingApproval(let pending):
            return [("content", .string("")), ("status", .string("awaiting_approval")),
                    ("pending", .array(pending.map(JSONValue.string)))]
        }
    }
}
