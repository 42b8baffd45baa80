import Foundation

/// How a query ended.
public struct QueryOutcome: Sendable, Hashable {
    /// Valid for the next query whatever happened: every tool call has a result.
    public var history: [ChatMessage]
    public var usage: SessionUsage
    /// The `final` or `error` event that was emitted last.
    public var terminal: AgentEvent
    /// Set when the query paused (`terminal` is `awaitingApproval`): the calls that wait. The
    /// history then ends with the assistant message that made them, their results still missing.
    public var pendingApprovals: [PendingApproval]

    public init(history: [ChatMessage], usage: SessionUsage, terminal: AgentEvent, pendingApprovals: [PendingApproval] = []) {
        self.history = history
        self.usage = usage
        self.terminal = terminal
        self.pendingApprovals = pendingApprovals
    }
}
