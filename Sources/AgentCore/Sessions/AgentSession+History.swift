import Foundation

/// An idle session holds no history: once a query's end is committed and nothing else runs or
/// waits, the messages are dropped and the session keeps its header (id, owner, usage, times,
/// `lastSeq`). The next query, or a read of the messages, gets them from the store again (one
/// indexed read). Memory then grows with the sessions running, not with the sessions kept.
extension AgentSession {
    /// Whether the history is in memory now; never waits.
    public nonisolated var isHoldingHistory: Bool {
        holdsHistory.load(ordering: .relaxed)
    }

    /// The stored history (no system prompt), for `GET /sessions/{id}/messages`: a step being
    /// written, or one whose write failed, is not shown. An idle session reads it from the store
    /// and does not keep it. Throws `SessionError.notFound` when the session is no longer stored,
    /// `storeUnavailable` when the store cannot be read.
    public func messages() async throws -> [ChatMessage] {
        if holdsHistory.load(ordering: .relaxed) { return committedHistory }
        return try await storedHistory()
    }

    /// Makes `history` the stored one again if it was dropped. A no-op while it is held.
    func loadHistory() async throws {
        guard !holdsHistory.load(ordering: .relaxed) else { return }
        let stored = try await storedHistory()
        // Another caller may have loaded it while this one waited for the store.
        guard !holdsHistory.load(ordering: .relaxed) else { return }
        history = stored
        committedHistory = stored
        holdsHistory.store(true, ordering: .relaxed)
        counters.holdingHistory.add(1, ordering: .relaxed)
    }

    /// Drops the history when the session is idle and everything is committed.
    func dropHistoryIfIdle() {
        // A session not stored yet (its first query failed to start) has nowhere to reload from.
        guard holdsHistory.load(ordering: .relaxed), running == nil, queued.isEmpty, !committing,
              uncommittedEvents.isEmpty, history == committedHistory, unstoredHeader == nil
        else { return }
        storedMessageCount = SessionInfo.countMessages(committedHistory)
        history = []
        committedHistory = []
        recentEvents = []
        // Emptied tables keep their capacity; an idle session need not (SessionFootprintTests).
        queued = []
        if resultWaiters.isEmpty { resultWaiters = [:] }
        if followers.isEmpty { followers = [:] }
        if commitWaiters.isEmpty { commitWaiters = [] }
        holdsHistory.store(false, ordering: .relaxed)
        counters.holdingHistory.subtract(1, ordering: .relaxed)
    }

    /// The room each per-session table holds (capacity, which is at least its entries), by name:
    /// all zero once the session is idle. What the memory tests check; not part of the API.
    var tableCapacities: [String: Int] {
        ["history": history.capacity, "committedHistory": committedHistory.capacity,
         "recentEvents": recentEvents.capacity, "uncommittedEvents": uncommittedEvents.capacity,
         "queued": queued.capacity, "followers": followers.capacity, "resultWaiters": resultWaiters.capacity,
         "commitWaiters": commitWaiters.capacity, "pendingApprovals": pendingApprovals.capacity,
         "committedPendingApprovals": committedPendingApprovals.capacity, "running": running == nil ? 0 : 1]
    }

    private func storedHistory() async throws -> [ChatMessage] {
        let stored: StoredSession?
        do {
            stored = try await store.loadSession(id: id)
        } catch {
            throw SessionError.storeUnavailable(reason: "the session's history could not be read (\(error))")
        }
        guard let stored else { throw SessionError.notFound(id: id) }
        return stored.history
    }
}
