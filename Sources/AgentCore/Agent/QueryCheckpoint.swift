import Foundation

/// The whole valid state of a session at a step boundary: what the store persists.
public struct QueryCheckpoint: Sendable, Hashable {
    /// The full history (system message first when there is one). Usually the previous
    /// checkpoint plus appended messages; compaction may rewrite older ones.
    public var history: [ChatMessage]
    public var usage: SessionUsage

    public init(history: [ChatMessage], usage: SessionUsage) {
        self.history = history
        self.usage = usage
    }
}
