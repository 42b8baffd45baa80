import Foundation
import Synchronization

/// The query the session is running, and who listens to it.
struct RunningQuery: Sendable {
    var queryId: String
    var task: Task<Void, Never>?
    var subscribers: [UUID: AsyncStream<StampedEvent>.Continuation]
    /// The session's history when the query started: tells "nothing of the turn was kept" from
    /// "some steps were" when a commit fails.
    var historyAtStart: [ChatMessage]
    /// The session's usage when the query started, so its own share can be told apart.
    var startUsage = SessionUsage()
    /// Set once the query holds the session's lease in the store (`AgentSession.acquireLease`).
    var leaseTaken = false
    /// Set once the query's end is being committed: that commit releases the lease, so a
    /// renewal racing it finds the lease gone, and that is no loss (`AgentSession.leaseLost`).
    var ending = false
    /// Set once the query's originating client went away under the `cancel` policy.
    var cancelRequested = false
    /// Why the session cancelled it (DELETE, clear): a cancelled query then answers 409.
    var cancelReason: String?
    /// Set when a step's commit failed and the turn was rolled back: the query's outcome is not
    /// adopted, and the blocking endpoint answers with this.
    var notSaved: SessionError?
    /// Set (possibly empty) from a step deferred to the query's end (`QueryCheckpoint.endsRun`)
    /// until that commit is in: the events stamped meanwhile, not yet handed to anyone.
    var heldEvents: [StampedEvent]?
}

/// The result of one query, for whoever waits on it; resolved exactly once.
final class QueryResultBox: Sendable {
    private let state = Mutex<(result: QueryResult?, waiters: [CheckedContinuation<QueryResult, Never>])>((nil, []))

    func resolve(_ result: QueryResult) {
        let waiters = state.withLock { state -> [CheckedContinuation<QueryResult, Never>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    func value() async -> QueryResult {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> QueryResult? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
