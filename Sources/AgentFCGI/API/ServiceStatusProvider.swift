import AgentCore

/// What `/health` and `/status` report about the parts above the responder (sessions, snapshot
/// store). The sessions layer implements it; until it is plugged in, `ResponderOnlyStatus` says
/// truthfully that there are no sessions and nothing that can be degraded.
public protocol ServiceStatusProvider: Sendable {
    /// `/health` as `caller` (`REMOTE_USER`, nil when anonymous) may see it: the session count
    /// is the caller's own, never everyone's.
    func health(caller: String?) async -> HealthReport
    /// Extra `/status` fields, appended in order after the responder's own.
    func statusFields() async -> [(String, JSONValue)]
}

public struct HealthReport: Sendable, Equatable {
    /// `"healthy"`, or `"degraded"` when the snapshot store is unwritable (API.md §1).
    public var status: String
    /// The caller's sessions (an anonymous caller: those created without a principal).
    public var activeSessions: Int

    public init(status: String, activeSessions: Int) {
        self.status = status
        self.activeSessions = activeSessions
    }
}

/// The provider before any session layer exists: nothing held, nothing stored.
public struct ResponderOnlyStatus: ServiceStatusProvider {
    public init() {}

    public func health(caller: String?) async -> HealthReport {
        HealthReport(status: "healthy", activeSessions: 0)
    }

    public func statusFields() async -> [(String, JSONValue)] {
        []
    }
}
