import Foundation

/// How a query ended.
public struct QueryOutcome: Sendable, Hashable {
    /// Valid for the next query whatever happened: every tool call has a result.
    public var history: [ChatMessage]
    public var usage: SessionUsage
    /// The `final` or `error` event that was emitted last.
    public var terminal: AgentEvent

    public init(history: [ChatMessage], usage: SessionUsage, terminal: AgentEvent) {
        self.history = history
        self.usage = usage
        self.terminal = terminal
    }
}
