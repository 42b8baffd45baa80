import Foundation

/// `GET /sessions/{id}/events` for a session whose query runs on another responder: the
/// stored events after `seq`, then each commit's new ones as its notice arrives, until the
/// store says no query runs. Only committed events are seen (docs/ARCHITECTURE.md §4.2).
///
/// Threading: not Sendable; one task calls `next()` until it returns nil, then `close()`.
public final class StoredEventFollower {
    public let sessionId: String
    private var cursor: Int64
    private let remote: RemoteQueries
    private let doorbell: Doorbell
    private let key: UUID
    private var finished = false
    /// When this follower last extended its watch of the session (nil: not yet).
    private var watchedAt: ContinuousClock.Instant?
    static let batch = 500

    init(sessionId: String, after seq: Int64, remote: RemoteQueries, doorbell: Doorbell, key: UUID) {
        self.sessionId = sessionId
        cursor = seq
        self.remote = remote
        self.doorbell = doorbell
        self.key = key
    }

    deinit {
        remote.unregister(sessionId, key)
    }

    /// The next events in seq order, waiting for a commit when there are none yet; nil once
    /// nothing runs and everything stored was returned. Throws when the store cannot be read.
    public func next() async throws -> [StoredEvent]? {
        while !finished, !Task.isCancelled {
            // The marker first: when it is clear, the commit that cleared it (with the query's
            // last events) is visible to the read that follows.
            let running = try await remote.bus.runningQuery(of: sessionId)
            // While a query runs, the watch before the events are read: its commits notify only
            // while the session is watched. A commit that locked the row before the watch was
            // written is committed before the watch is, so the read below sees its events;
            // every later one notifies. The doorbell wakes at least every `recheckInterval`, so
            // the watch is renewed long before it lapses. (A replay of a finished query writes nothing.)
            if running != nil, watchedAt.map({ ContinuousClock.now - $0 > remote.watchDuration / 3 }) ?? true {
                let now = ContinuousClock.now
                try await remote.bus.watch(sessionId, for: remote.watchDuration)
                watchedAt = now
            }
            let events = try await remote.store.events(sessionId: sessionId, after: cursor, limit: Self.batch)
            if let last = events.last {
                cursor = last.seq
                return events
            }
            if running == nil {
                finished = true
                break
            }
            await doorbell.wait(timeout: remote.recheckInterval)
        }
        close()
        return nil
    }

    /// Stops listening for this session's notices (idempotent).
    public func close() {
        finished = true
        remote.unregister(sessionId, key)
    }

    /// The seq of the last event returned.
    public var lastSeq: Int64 { cursor }
}
