import Foundation

/// What a tool call knows about where it runs.
public struct ToolContext: Sendable {
    public var sessionId: String
    /// The authenticated principal (`REMOTE_USER`) that owns the session, if any.
    public var owner: String?
    public var queryId: String
    public var toolCallId: String

    public init(sessionId: String, owner: String?, queryId: String, toolCallId: String) {
        self.sessionId = sessionId
        self.owner = owner
        self.queryId = queryId
        self.toolCallId = toolCallId
    }
}
