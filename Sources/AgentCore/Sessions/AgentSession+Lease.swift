import Foundation

/// The copy in memory as a cache over the store, and the lease a running query holds on the
/// session (docs/ARCHITECTURE.md §4.5): several responders may serve the same session, so
/// before a copy is used its version is compared with the store's, and a query runs only while
/// its lease (taken in the store, renewed by `SessionManager.renewLeases`) is this responder's.
extension AgentSession {
    /// How often a query waiting for another responder's query polls the lease (`queue` policy).
    static let leasePollInterval = Duration.milliseconds(200)

    /// Takes the lease for `queryId`; reloads this copy when the store's version says another
    /// responder changed the session. Waits while another responder's query holds the lease
    /// (`queue`; bounded by that query's life: an expired lease is swept) or refuses (`reject`).
    /// Returns why the query cannot start, or nil once it holds the lease.
    func acquireLease(queryId: String, title: String?) async -> SessionError? {
        while true {
            // In turn with commits: a clear or a previous query's end still being written goes
            // first, so the version compared below is the one they left.
            await takeCommitTurn()
            do {
                defer { passCommitTurn() }
                let before: Int64
                if let header = unstoredHeader {
                    before = try await store.createSession(header, beginningQuery: queryId, title: title)
                    unstoredHeader = nil
                } else {
                    before = try await store.beginQuery(sessionId: id, queryId: queryId, title: title)
                }
                if before == storedVersion {
                    storedVersion = before + 1
                } else {
                    try await reload()
                }
                if self.running?.queryId == queryId { self.running?.leaseTaken = true }
                return nil
            } catch StoreError.leaseHeld(_, let owner, let running) {
                if settings.concurrencyPolicy == .reject {
                    return .busy(id: id, runningQueryId: running, reason: "a query is running on responder \(owner)")
                }
                do {
                    try await Task.sleep(for: Self.leasePollInterval)
                } catch {
                    return .conflict(id: id, reason: "query cancelled before it started: "
                                     + (self.running?.cancelReason ?? "its client went away"))
                }
            } catch StoreError.sessionExists {
                // Its generated id was taken meanwhile (by a client naming a session so): nothing
                // of this one was stored.
                return .conflict(id: id, reason: "another session was stored under this new session's id; try again")
            } catch StoreError.sessionNotFound {
                // Deleted (DELETE, expiry) between the lookup and now: a race, not an outage.
                return .conflict(id: id, reason: "the session was deleted before the query started; nothing was kept")
            } catch {
                return .storeUnavailable(reason: String(describing: error))
            }
        }
    }

    /// Before an idle copy is used (a read, a clear, a query's lookup): one indexed read of the
    /// store's version, and a reload when it differs. Returns the lease state, or nil when the
    /// session is no longer stored (deleted through another responder). A copy whose query holds
    /// the lease here is not reloaded (the lease keeps others out).
    func refresh() async throws -> SessionLeaseState? {
        // While this responder's query holds the lease nobody else writes the session (a
        // delete elsewhere shows at its next commit): no read, and no wait behind its commits.
        // Likewise when no other process can write the store at all (SQLite).
        if let running, running.leaseTaken {
            return SessionLeaseState(version: storedVersion, runningQueryId: running.queryId, leaseOwner: store.lease.owner,
                                     leaseActive: true)
        }
        if !store.isShared || unstoredHeader != nil {
            return SessionLeaseState(version: storedVersion, runningQueryId: running?.queryId,
                                     leaseOwner: running.map { _ in store.lease.owner }, leaseActive: running != nil)
        }
        await takeCommitTurn()
        defer { passCommitTurn() }
        guard let state = try await store.leaseState(sessionId: id) else { return nil }
        // A query that has not taken its lease yet reads its history after taking it.
        if state.version != storedVersion, running?.leaseTaken != true {
            try await reload()
        }
        return state
    }

    /// Replaces the state with the store's (history, usage, title, pending approvals, seq,
    /// version). Events kept for resumption are dropped: the store serves them.
    private func reload() async throws {
        guard let stored = try await store.loadSession(id: id) else { throw StoreError.sessionNotFound(id) }
        let summary = stored.summary
        history = stored.history
        committedHistory = stored.history
        if !holdsHistory.load(ordering: .relaxed) {
            holdsHistory.store(true, ordering: .relaxed)
            counters.holdingHistory.add(1, ordering: .relaxed)
        }
        usage = summary.usage
        committedUsage = summary.usage
        clearedUsage = summary.clearedUsage
        committedClearedUsage = summary.clearedUsage
        title = summary.title ?? title
        pendingApprovals = summary.pendingApprovals
        committedPendingApprovals = summary.pendingApprovals
        lastSeq = max(lastSeq, summary.lastSeq)
        lastUsedAt = max(lastUsedAt, summary.lastUsedAt)
        storedVersion = summary.version
        uncommittedEvents.removeAll()
        recentEvents.removeAll()
        counters.cacheReloads.add(1, ordering: .relaxed)
        publishInfo()
    }

    /// The running query, once it holds its lease (a query still waiting for one has none to renew).
    var leasedQueryId: String? {
        guard let running, running.leaseTaken, !running.ending else { return nil }
        return running.queryId
    }

    /// The running query lost its lease (the sweeper or another responder closed it): it is
    /// stopped; its commits would be refused anyway. Returns whether it was stopped: a query
    /// whose end is being committed released the lease itself (a renewal taken before that
    /// commit and run after it reports the lease gone) and is left to finish.
    @discardableResult
    func leaseLost(queryId: String) -> Bool {
        guard var query = running, query.queryId == queryId, !query.ending else { return false }
        query.cancelReason = "this responder lost the session's lease (the query was closed as interrupted)"
        query.cancelRequested = true
        query.task?.cancel()
        running = query
        storedVersion = -1
        return true
    }
}
