import Foundation

/// A session's last committed state, readable without waiting for a running query.
public struct SessionInfo: Sendable, Hashable {
    public var id: String
    public var owner: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    /// Messages other than the system prompt.
    public var messageCount: Int
    public var usage: SessionUsage
    public var runningQueryId: String?
    public var queuedQueries: Int

    public init(id: String, owner: String?, createdAt: Date, lastUsedAt: Date, messageCount: Int,
                usage: SessionUsage, runningQueryId: String? = nil, queuedQueries: Int = 0) {
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.messageCount = messageCount
        self.usage = usage
        self.runningQueryId = runningQueryId
        self.queuedQueries = queuedQueries
    }

    public var isBusy: Bool { runningQueryId != nil || queuedQueries > 0 }

    static func countMessages(_ history: [ChatMessage]) -> Int {
        history.reduce(0) { $0 + ($1.role == .system ? 0 : 1) }
    }
}
