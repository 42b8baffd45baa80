/// Whether the snapshot store can take writes (`/health`, `/status`).
public enum StoreHealth: Sendable, Hashable {
    case healthy
    /// Writes fail; `reason` is the last failure, for the status page and logs.
    case degraded(reason: String)

    public var isHealthy: Bool { self == .healthy }
}
