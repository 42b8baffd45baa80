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
    /// The run ends right after this step, with no model call or tool run in between: the
    /// session may write it together with the query's end, in one commit instead of two
    /// (holding the events emitted meanwhile until that commit is in).
    public var endsRun: Bool

    public init(history: [ChatMessage], usage: SessionUsage, pendingApprovals: [PendingApproval] = [],
                endsRun: Bool = false) {
        self.history = history
        self.usage = usage
        self.pendingApprovals = pendingApprovals
        self.endsRun = endsRun
    }
}
