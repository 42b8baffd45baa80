import Foundation

/// Who a query runs for: what tools need to know about where they run (`ToolContext`).
public struct QueryContext: Sendable, Hashable {
    public var sessionId: String
    /// The authenticated principal (`REMOTE_USER`) that owns the session, if any.
    public var owner: String?
    public var queryId: String

    public init(sessionId: String, owner: String? = nil, queryId: String) {
        self.sessionId = sessionId
        self.owner = owner
        self.queryId = queryId
    }

    func toolContext(callId: String) -> ToolContext {
        ToolContext(sessionId: sessionId, owner: owner, queryId: queryId, toolCallId: callId)
    }
}
