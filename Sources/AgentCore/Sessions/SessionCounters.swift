import Synchronization

/// Lifetime counters of the session table, for `/status` and `/metrics`.
public final class SessionCounters: Sendable {
    public let created = Atomic<Int>(0)
    public let loaded = Atomic<Int>(0)
    public let evicted = Atomic<Int>(0)
    public let expired = Atomic<Int>(0)
    public let inMemory = Atomic<Int>(0)
    /// Sessions in memory that hold their history now (running, or not yet idle since loading);
    /// the others keep only their header (`AgentSession+History`).
    public let holdingHistory = Atomic<Int>(0)

    public init() {}
}
