import Foundation

/// What a second query on a busy session does.
public enum ConcurrencyPolicy: String, Sendable, Hashable, CaseIterable {
    /// Wait for the running query (the reference's behaviour), bounded by `maxQueuePerSession`.
    case queue
    /// Answer 409 at once.
    case reject
}
