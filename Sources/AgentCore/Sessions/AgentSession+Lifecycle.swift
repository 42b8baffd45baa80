import Foundation

extension AgentSession {
    /// Whether nothing runs, waits or listens: such a session may be evicted from memory.
    var isIdle: Bool {
        running == nil && queued.isEmpty && followers.isEmpty
    }

    /// Drops the session from service if it is idle (eviction). Everything is already committed
    /// at the end of each query, so nothing is lost.
    func retireIfIdle() -> Bool {
        guard isIdle, !isRetired else { return false }
        isRetired = true
        return true
    }

    /// Stops everything and takes the session out of service (DELETE, expiry, shutdown). What
    /// the stopped queries recorded is committed (a graceful shutdown keeps it); if that fails,
    /// memory goes back to what the store holds.
    func retire(reason: String) async {
        isRetired = true
        await stopAllQueries(reason: reason)
        if !uncommittedEvents.isEmpty || history != committedHistory {
            do {
                try await commit(runningQueryId: nil)
            } catch {
                rollBackToCommitted()
            }
        }
        for continuation in followers.values { continuation.finish() }
        followers.removeAll()
    }

    /// Cancels everything queued and running, and waits until nothing runs. Queries submitted
    /// meanwhile (they queue behind the one being stopped) are cancelled too, so the caller
    /// acts on an idle session. Their clients are told why (`reason`, a 409 for blocking ones).
    func stopAllQueries(reason: String) async {
        while running != nil || !queued.isEmpty {
            while !queued.isEmpty { abandonQueued(at: 0, reason: reason) }
            guard let task = running?.task else { break }
            running?.cancelReason = reason
            cancelRunning()
            await task.value
        }
    }

    static func isCancellation(_ terminal: AgentEvent) -> Bool {
        switch terminal {
        case .final(_, .cancelled), .error(_, .cancelled): return true
        default: return false
        }
    }

    /// Events after `seq` from memory, then live ones until the running query ends
    /// (`GET /sessions/{id}/events`). Events older than memory holds are left to the store.
    public func follow(after seq: Int64) -> EventFollow {
        // Unbounded for the same reason as a query's subscriber (`submit`): the session never
        // waits for a follower, and dropping would leave gaps in a resumed stream.
        let (stream, continuation) = AsyncStream<StampedEvent>.makeStream(bufferingPolicy: .unbounded)
        var storedRange: ClosedRange<Int64>?
        let oldestInMemory = recentEvents.first?.seq ?? (lastSeq + 1)
        // Compared as `seq < oldest - 1`, not `seq + 1 < oldest`: a client may send Int64.max.
        if seq < oldestInMemory - 1 {
            storedRange = (seq + 1)...(oldestInMemory - 1)
        }
        for event in recentEvents where event.seq > seq {
            continuation.yield(event)
        }
        let followerId = UUID.systemRandom()
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
}
