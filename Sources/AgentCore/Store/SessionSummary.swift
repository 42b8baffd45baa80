import Foundation

/// A stored session without its history: what listings and the session layer's bookkeeping need.
public struct SessionSummary: Sendable, Hashable {
    public var id: String
    /// The principal (`REMOTE_USER`) that created it; nil in the shared namespace.
    public var owner: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    /// The session's own system prompt (nil: the configured default).
    public var systemPrompt: String?
    /// Since creation or the last clear.
    public var usage: SessionUsage
    /// What earlier clears set aside, added up; with `usage`, the session's lifetime.
    public var clearedUsage: SessionUsage
    /// The first user message, shortened (`SessionTitle`); nil until one was sent.
    public var title: String?
    /// Number of stored history messages.
    public var messageCount: Int
    /// Highest event seq ever stored for this session (0: none). Survives `clear` and event
    /// retention, so seqs are never reused.
    public var lastSeq: Int64
    /// The query running at the last commit; set by `beginQuery`, cleared by a turn's last commit.
    public var runningQueryId: String?
    /// The session's default model (nil: the configured default).
    public var model: String?
    /// The tool calls its paused turn waits on, with any partial decisions (empty: none).
    public var pendingApprovals: [PendingApproval]
    /// Bumped by every write that changes the session (commits, query starts, sweeps): a
    /// responder whose copy in memory carries another version reloads it (docs/ARCHITECTURE.md §4.5).
    public var version: Int64

    public init(id: String, owner: String?, createdAt: Date, lastUsedAt: Date? = nil, systemPrompt: String?,
                usage: SessionUsage = SessionUsage(), clearedUsage: SessionUsage = SessionUsage(), title: String? = nil,
                messageCount: Int = 0, lastSeq: Int64 = 0, runningQueryId: String? = nil, model: String? = nil,
                pendingApprovals: [PendingApproval] = [], version: Int64 = 1) {
        self.pendingApprovals = pendingApprovals
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt ?? createdAt
        self.systemPrompt = systemPrompt
        self.usage = usage
        self.clearedUsage = clearedUsage
        self.title = title
        self.messageCount = messageCount
        self.lastSeq = lastSeq
        self.runningQueryId = runningQueryId
        self.model = model
        self.version = version
    }

    /// What the session was created with.
    public var header: SessionHeader {
        SessionHeader(id: id, owner: owner, createdAt: createdAt, systemPrompt: systemPrompt, model: model)
    }
}
