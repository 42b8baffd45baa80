/// A query that was running when the process died, closed by `recoverInterruptedQueries`.
public struct RecoveredQuery: Sendable, Hashable {
    public var sessionId: String
    public var queryId: String
    /// The `final{status:"interrupted"}` event appended to the session's log.
    public var event: StampedEvent

    public init(sessionId: String, queryId: String, event: StampedEvent) {
        self.sessionId = sessionId
        self.queryId = queryId
        self.event = event
    }
}
