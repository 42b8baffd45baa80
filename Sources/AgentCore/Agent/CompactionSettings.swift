import Foundation

/// When and how the agent summarises old history to stay inside the model's context window.
public struct CompactionSettings: Sendable, Hashable {
    /// Default true.
    public var enabled: Bool
    /// Compact when the last call's prompt tokens pass this share of the context window. Default 0.8.
    public var thresholdRatio: Double
    /// Turns kept verbatim at the end (a turn is a user message, or an assistant message with its
    /// tool results). Default 4.
    public var keepRecentTurns: Int

    public init(enabled: Bool = true, thresholdRatio: Double = 0.8, keepRecentTurns: Int = 4) {
        self.enabled = enabled
        self.thresholdRatio = thresholdRatio
        self.keepRecentTurns = keepRecentTurns
    }
}
