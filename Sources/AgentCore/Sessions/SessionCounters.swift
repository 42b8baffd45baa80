import Synchronization

/// Lifetime counters of the session table, for `/status` and `/metrics`.
public final class SessionCounters: Sendable {
    public let created = Atomic<Int>(0)
    public let loaded = Atomic<Int>(0)
    public let evicted = Atomic<Int>(0)
    public let expired = Atomic<Int>(0)
    public let inMemory = Atomic<Int>(0)
    /// Copies in memory found stale (another responder wrote the session) and reloaded.
    public let cacheReloads = Atomic<Int>(0)
    /// Lease renewal rounds that extended at least one running query's lease.
    public let leaseRenewals = Atomic<Int>(0)
    /// Queries whose lease expired, closed as interrupted by this responder's sweeper.
    public let takeovers = Atomic<Int>(0)
    /// Running queries stopped because their lease was lost (swept or taken over elsewhere).
    public let leasesLost = Atomic<Int>(0)
    /// Sessions in memory that hold their history now (running, or not yet idle since loading);
    /// the others keep only their header (`AgentSession+History`).
    public let holdingHistory = Atomic<Int>(0)

    public init() {}
}
