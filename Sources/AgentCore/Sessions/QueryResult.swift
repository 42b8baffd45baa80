import Foundation

/// How a query ended, as `/agent/query` reports it.
public struct QueryResult: Sendable, Hashable {
    public var queryId: String
    /// The `final` or `error` event.
    public var terminal: AgentEvent
    public var usage: SessionUsage
    /// Set when the query's last commit failed (for logs). The turn's history may still be
    /// stored (its last step was saved, only the closing events were not); `failure` says
    /// when it is not.
    public var persistenceError: String?
    /// Set when the outcome is a session-level failure the blocking endpoint answers with: the
    /// query was refused before the model was called (the store failed after admission), its
    /// turn could not be saved and was rolled back, or DELETE/clear cancelled it (409).
    public var failure: SessionError?
    /// The session's usage when the query started: `usage` minus this is the query's own.
    public var startUsage: SessionUsage
    /// The calls the session waits on after this query (`terminal` is `awaitingApproval`).
    public var pendingApprovals: [PendingApproval]

    public init(queryId: String, terminal: AgentEvent, usage: SessionUsage, persistenceError: String?,
                failure: SessionError? = nil, startUsage: SessionUsage? = nil, pendingApprovals: [PendingApproval] = []) {
        self.pendingApprovals = pendingApprovals
        self.queryId = queryId
        self.terminal = terminal
        self.usage = usage
        self.persistenceError = persistenceError
        self.failure = failure
        self.startUsage = startUsage ?? usage
    }
}
