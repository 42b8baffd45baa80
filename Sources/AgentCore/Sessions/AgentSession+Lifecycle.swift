import Foundation

extension AgentSession {
    /// Whether nothing runs, waits or listens: such a session may be evicted from memory.
    var isIdle: Bool {
        running == nil && queued.isEmpty && followers.isEmpty
    }

    /// Drops the session from service if it is idle (eviction). Everything is already committed
    /// at the end of each query, so nothing is lost when a store is configured.
    func retireIfIdle() -> Bool {
        guard isIdle, !isRetired else { return false }
        isRetired = true
        return true
    }

    /// Stops everything and takes the session out of service (DELETE, expiry, shutdown).
    func retire(reason: String) async {
        isRetired = true
        await stopAllQueries(reason: reason)
        for continuation in followers.values { continuation.finish() }
        followers.removeAll()
    }

    /// Events after `seq` from memory, then live ones until the running query ends
    /// (`GET /sessions/{id}/events`). Events older than memory holds are left to the store.
    public func follow(after seq: Int64) -> EventFollow {
        let (stream, continuation) = AsyncStream<StampedEvent>.makeStream()
        var storedRange: ClosedRange<Int64>?
        let oldestInMemory = recentEvents.first?.seq ?? (lastSeq + 1)
        if seq + 1 < oldestInMemory {
            storedRange = (seq + 1)...(oldestInMemory - 1)
        }
        for event in recentEvents where event.seq > seq {
            continuation.yield(event)
        }
        let followerId = UUID()
        if running != nil || !queued.isEmpty {
            followers[followerId] = continuation
        } else {
            continuation.finish()
        }
        return EventFollow(storedRange: storedRange, events: stream, cancel: { [weak self] in
            guard let self else { return }
            Task { await self.stopFollowing(followerId) }
        })
    }

    private func stopFollowing(_ followerId: UUID) {
        followers.removeValue(forKey: followerId)?.finish()
    }

    /// Followers follow until nothing runs or waits any more.
    func finishFollowersIfIdle() {
        guard queued.isEmpty else { return }
        for continuation in followers.values { continuation.finish() }
        followers.removeAll()
    }

    public var lastSequenceNumber: Int64 { lastSeq }
}
