import Foundation

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
