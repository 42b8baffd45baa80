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

    public init(queryId: String, terminal: AgentEvent, usage: SessionUsage, persistenceError: String?,
                failure: SessionError? = nil, startUsage: SessionUsage? = nil) {
        self.queryId = queryId
        self.terminal = terminal
        self.usage = usage
        self.persistenceError = persistenceError
        self.failure = failure
        self.startUsage = startUsage ?? usage
    }
}

/// A client's view of one query: its events as they happen, and its result.
///
/// The event stream ends after the query's `usage` event, once the turn is committed.
/// Threading: consumed by one task; `clientGone()` may be called from any thread.
public final class QuerySubscription: Sendable {
    public let sessionId: String
    public let queryId: String
    public let events: AsyncStream<StampedEvent>
    private let onClientGone: @Sendable () -> Void
    private let resultProvider: @Sendable () async -> QueryResult

    init(sessionId: String, queryId: String, events: AsyncStream<StampedEvent>,
         onClientGone: @escaping @Sendable () -> Void, result: @escaping @Sendable () async -> QueryResult) {
        self.sessionId = sessionId
        self.queryId = queryId
        self.events = events
        self.onClientGone = onClientGone
        self.resultProvider = result
    }

    /// The client disconnected: stop delivering, and cancel the query when the policy says so.
    public func clientGone() {
        onClientGone()
    }

    /// Waits for the query to end and its turn to be committed.
    public func result() async -> QueryResult {
        await resultProvider()
    }
}

/// A replay of stored events followed by live ones (`GET /sessions/{id}/events`).
public struct EventFollow: Sendable {
    /// Events the session no longer holds in memory: read them from the store before `events`.
    public var storedRange: ClosedRange<Int64>?
    /// Events held in memory after the requested seq, then live ones until the running query ends.
    public var events: AsyncStream<StampedEvent>
    /// Stops live delivery (client gone).
    public var cancel: @Sendable () -> Void
}
