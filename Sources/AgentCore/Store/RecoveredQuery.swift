import Foundation

/// A query that was running when the process died, closed by `recoverInterruptedQueries`.
public struct RecoveredQuery: Sendable, Hashable {
    public var sessionId: String
    public var queryId: String
    /// The `final{status:"interrupted"}` event appended to the session's log.
    public var event: StampedEvent
    /// The `usage` event right after it (the session's usage as of the last committed step).
    public var usageEvent: StampedEvent

    public init(sessionId: String, queryId: String, event: StampedEvent, usageEvent: StampedEvent) {
        self.sessionId = sessionId
        self.queryId = queryId
        self.event = event
        self.usageEvent = usageEvent
    }
}

extension RecoveredQuery {
    /// The two events that close a dead query: `final{interrupted}` numbered above anything it
    /// may have streamed, then the usage as of its last committed step.
    static func interruptedEvents(sessionId: String, queryId: String, lastSeq: Int64, usageJSON: String,
                                  now: Date) throws -> (StampedEvent, StampedEvent) {
        let usage = try StoredJSON.decode(SessionUsage.self, usageJSON, sessionId: sessionId, what: "usage")
        let finalSeq = lastSeq + Int64(EventLogLimits.maxUncommittedEvents) + 1
        let final = StampedEvent(event: .final(content: "", status: .interrupted), timestamp: now, sessionId: sessionId,
                                 queryId: queryId, seq: finalSeq)
        let usageEvent = StampedEvent(event: .usage(usage), timestamp: now, sessionId: sessionId, queryId: queryId,
                                      seq: finalSeq + 1)
        return (final, usageEvent)
    }
}
