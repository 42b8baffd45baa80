import AgentCore

public struct HealthReport: Sendable, Equatable {
    /// `"healthy"`, or `"degraded"` when the snapshot store is unwritable (docs/API.md §1).
    public var status: String
    /// The caller's sessions (an anonymous caller: those created without a principal).
    public var activeSessions: Int

    public init(status: String, activeSessions: Int) {
        self.status = status
        self.activeSessions = activeSessions
    }
}
