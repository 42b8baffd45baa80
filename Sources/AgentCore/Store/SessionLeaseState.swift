/// A stored session's version and lease, read in one indexed lookup: what a responder compares
/// with its copy in memory before using it (`SessionStore.leaseState`).
public struct SessionLeaseState: Sendable, Hashable {
    public var version: Int64
    /// The query marked running, if any.
    public var runningQueryId: String?
    /// The responder whose query holds the lease (nil when none runs).
    public var leaseOwner: String?
    /// The lease has not expired yet.
    public var leaseActive: Bool

    public init(version: Int64, runningQueryId: String?, leaseOwner: String?, leaseActive: Bool) {
        self.version = version
        self.runningQueryId = runningQueryId
        self.leaseOwner = leaseOwner
        self.leaseActive = leaseActive
    }

    /// A query of another responder runs on the session and its lease is live.
    public func heldByOther(than owner: String) -> Bool {
        runningQueryId != nil && leaseActive && leaseOwner != owner
    }
}
