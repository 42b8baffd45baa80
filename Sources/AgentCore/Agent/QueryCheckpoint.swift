import Foundation

/// The whole valid state of a session at a step boundary: what the store persists.
public struct QueryCheckpoint: Sendable, Hashable {
    /// The full history (system message first when there is one). Usually the previous
    /// checkpoint plus appended messages; compaction may rewrite older ones.
    public var history: [ChatMessage]
    public var usage: SessionUsage
    /// The calls of the history's last turn that wait for approval (empty unless it paused):
    /// stored with the history in one commit, so the two always agree.
    public var pendingApprovals: [PendingApproval]

    public init(history: [ChatMessage], usage: SessionUsage, pendingApprovals: [PendingApproval] = []) {
        self.history = history
        self.usage = usage
        self.pendingApprovals = pendingApprovals
    }
}
