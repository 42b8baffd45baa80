import Foundation

/// A per-session spending limit, checked before every model call against the session's
/// lifetime usage: clearing a session resets its reported `usage`, not what it has spent.
public struct Budget: Sendable, Hashable {
    /// Prompt plus completion tokens over the session's life, clears included.
    public var maxTotalTokens: Int?
    /// US dollars over the session's life. Only enforceable while every model used has a price:
    /// with an unknown cost the limit cannot be judged and is not applied (a warning is logged).
    public var maxCost: Double?

    public init(maxTotalTokens: Int? = nil, maxCost: Double? = nil) {
        self.maxTotalTokens = maxTotalTokens
        self.maxCost = maxCost
    }

    public static let unlimited = Budget()

    /// Why `usage` leaves no room for another call, or nil when it does.
    public func exhaustion(of usage: SessionUsage) -> String? {
        if let maxTotalTokens, usage.totalTokens >= maxTotalTokens {
            return "session budget exhausted: \(usage.totalTokens) of \(maxTotalTokens) tokens used"
        }
        if let maxCost, let cost = usage.totalCost, cost >= maxCost {
            return "session budget exhausted: $\(String(format: "%.6f", cost)) of $\(maxCost) spent"
        }
        return nil
    }
}
