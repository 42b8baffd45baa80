import Foundation
import Synchronization

/// A query waiting for the session to be free.
struct PendingQuery: Sendable {
    var queryId: String
    var input: QueryInput
    var systemPrompt: String?
    var runner: any QueryRunner
    var subscriberId: UUID
    var subscriber: AsyncStream<StampedEvent>.Continuation
}
