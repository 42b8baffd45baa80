import Foundation

/// Who a query runs for: what tools need to know about where they run (`ToolContext`), and
/// what the session spent before its last clear, which its budget still counts.
public struct QueryContext: Sendable, Hashable {
    public var sessionId: String
    /// The authenticated principal (`REMOTE_USER`) that owns the session, if any.
    public var owner: String?
    public var queryId: String
    /// Usage the session set aside when it was cleared. A clear resets the usage a run gets
    /// (the reference's contract), not the budget: the run checks its budget against this
    /// plus its own usage, the session's lifetime.
    public var clearedUsage: SessionUsage

    public init(sessionId: String, owner: String? = nil, queryId: String, clearedUsage: SessionUsage = SessionUsage()) {
        self.sessionId = sessionId
        self.owner = owner
        self.queryId = queryId
        self.clearedUsage = clearedUsage
    }

    func toolContext(callId: String) -> ToolContext {
        ToolContext(sessionId: sessionId, owner: owner, queryId: queryId, toolCallId: callId)
    }
}
