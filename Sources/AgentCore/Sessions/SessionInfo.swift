import Foundation

/// A session's last committed state, readable without waiting for a running query.
public struct SessionInfo: Sendable, Hashable {
    public var id: String
    public var owner: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    /// Messages other than the system prompt.
    public var messageCount: Int
    /// Since the session was created or last cleared (what `clear` resets).
    public var usage: SessionUsage
    /// Over the session's whole life, clears included: what budgets count.
    public var lifetimeUsage: SessionUsage
    /// The session's first user message, shortened (`SessionTitle`); nil until one was sent.
    public var title: String?
    public var runningQueryId: String?
    public var queuedQueries: Int
    /// The tool calls waiting for a decision, as stored (`GET /sessions/{id}`'s `pending_approvals`).
    public var pendingApprovals: [PendingApproval]

    public init(id: String, owner: String?, createdAt: Date, lastUsedAt: Date, messageCount: Int,
                usage: SessionUsage, lifetimeUsage: SessionUsage? = nil, title: String? = nil,
                runningQueryId: String? = nil, queuedQueries: Int = 0, pendingApprovals: [PendingApproval] = []) {
        self.pendingApprovals = pendingApprovals
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.messageCount = messageCount
        self.usage = usage
        self.lifetimeUsage = lifetimeUsage ?? usage
        self.title = title
        self.runningQueryId = runningQueryId
        self.queuedQueries = queuedQueries
    }

    public var isBusy: Bool { runningQueryId != nil || queuedQueries > 0 }

    static func countMessages(_ history: [ChatMessage]) -> Int {
        history.reduce(0) { $0 + ($1.role == .system ? 0 : 1) }
    }
}
