import AgentCore

/// What `/health` and `/status` report about the parts above the responder (sessions, snapshot
/// store); `SessionStatusProvider` implements it.
public protocol ServiceStatusProvider: Sendable {
    /// `/health` as `caller` (`REMOTE_USER`, nil when anonymous) may see it: the session count
    /// is the caller's own, never everyone's.
    func health(caller: String?) async -> HealthReport
    /// Extra `/status` fields, appended in order after the responder's own.
    func statusFields() async -> [(String, JSONValue)]
}
