import Foundation

/// One tool call of a paused turn, waiting for (or holding) a person's decision. Stored with the
/// session (`SessionSummary.pendingApprovals`), so a decision works after a restart or on another
/// responder; the assistant message that made the call is already in the stored history.
public struct PendingApproval: Sendable, Hashable, Codable {
    public var toolCallId: String
    /// The exposed tool name the model called.
    public var tool: String
    /// The parsed arguments (`{"_raw": text}` when they were not JSON), as `approval_request` showed them.
    public var args: JSONValue
    public var requestedAt: Date
    /// Past this the call counts as rejected ("approval timed out"); nil: it waits forever.
    /// Fixed when the call is made, so a reload changes only later calls' deadlines.
    public var expiresAt: Date?
    /// Set by a partial decision; the turn continues once every call has one.
    public var decision: ApprovalDecision?
    /// What the paused query asked for (model, tool subset, response format, sampling): its
    /// continuation runs with the same, wherever and whenever it is decided. Nil for calls
    /// stored before it was kept (their continuation uses the session's defaults).
    public var queryOptions: QueryOptions?

    public init(toolCallId: String, tool: String, args: JSONValue, requestedAt: Date, expiresAt: Date?,
                decision: ApprovalDecision? = nil, queryOptions: QueryOptions? = nil) {
        self.toolCallId = toolCallId
        self.tool = tool
        self.args = args
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.decision = decision
        self.queryOptions = queryOptions
    }

    enum CodingKeys: String, CodingKey {
        case toolCallId = "tool_call_id", tool, args, requestedAt = "requested_at", expiresAt = "expires_at", decision,
             queryOptions = "query_options"
    }

    public func isExpired(at now: Date) -> Bool {
        decision == nil && (expiresAt.map { $0 <= now } ?? false)
    }
}

/// A person's answer to one pending call.
public struct ApprovalDecision: Sendable, Hashable, Codable {
    public var approve: Bool
    /// Why (shown to the model when the call is rejected); may be empty.
    public var reason: String

    public init(approve: Bool, reason: String = "") {
        self.approve = approve
        self.reason = reason
    }

    public static let timedOut = ApprovalDecision(approve: false, reason: "approval timed out")
    public static let supersededByMessage = ApprovalDecision(approve: false, reason: "the user sent a new message instead")

    /// The error result the model reads for a rejected call.
    public var rejectionResult: String {
        if self == .timedOut { return "not run: approval timed out" }
        return "rejected by the user: " + (reason.isEmpty ? "no reason given" : reason)
    }
}
