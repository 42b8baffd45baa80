/// A session as loaded back from the store: its summary and its whole history, in order.
public struct StoredSession: Sendable, Hashable {
    public var summary: SessionSummary
    /// The history without the system prompt, oldest first.
    public var history: [ChatMessage]

    public init(summary: SessionSummary, history: [ChatMessage]) {
        self.summary = summary
        self.history = history
    }
}
