import Foundation

/// Writing a session to the store, and what happens when that fails: memory goes back to what
/// the store holds, so `GET /sessions/{id}/messages`, the next model call, a later commit and a
/// graceful shutdown never see a turn the client was told failed.
extension AgentSession {
    /// Writes the current state and the events since the last commit in one transaction.
    ///
    /// One commit at a time: each computes its history change against what the previous one
    /// stored (a DELETE's or clear's final commit may otherwise overlap a query's step commit).
    /// On failure the events stay queued for the next attempt and memory is left as it is;
    /// callers that end a step or a turn roll back (`rollBackToCommitted`).
    /// `endingQueryId` is the query whose lease the commit ends (the store refuses the commit if
    /// that query no longer holds it); `runningQueryId` the query a step commit belongs to.
    func commit(runningQueryId: String?, endingQueryId: String? = nil) async throws {
        await takeCommitTurn()
        defer { passCommitTurn() }
        let events = uncommittedEvents
        uncommittedEvents.removeAll()
        let written = history
        let writtenUsage = usage
        let writtenClearedUsage = clearedUsage
        let writtenApprovals = pendingApprovals
        let commit = TurnCommit(history: .between(committedHistory, written), events: events, usage: writtenUsage,
                                clearedUsage: writtenClearedUsage, lastUsedAt: lastUsedAt,
                                query: runningQueryId.map { .running(queryId: $0) } ?? .finished,
                                pendingApprovals: writtenApprovals == committedPendingApprovals ? nil : writtenApprovals,
                                queryId: runningQueryId ?? endingQueryId, baseVersion: storedVersion)
        let started = ContinuousClock.now
        do {
            storedVersion = try await store.commitTurn(commit, to: id)
            AgentMetrics.storeCommit(outcome: "ok", started: started)
            committedHistory = written
            committedUsage = writtenUsage
            committedClearedUsage = writtenClearedUsage
            committedPendingApprovals = writtenApprovals
            publishInfo()
        } catch {
            AgentMetrics.storeCommit(outcome: "error", started: started)
            // Someone else wrote the session: this copy is stale, reloaded before its next use.
            // (Unless a query start moved it meanwhile: that version is current.)
            if case StoreError.leaseLost = error, storedVersion == commit.baseVersion { storedVersion = -1 }
            // Kept for the next attempt: a later commit may succeed once the disk recovers.
            uncommittedEvents.insert(contentsOf: events, at: 0)
            throw error
        }
    }

    /// After a failed commit: history and usage go back to what the store holds, and events not
    /// yet stored are dropped (a stream that already showed them ends with an `error` saying
    /// so). `lastSeq` is kept: seqs a client saw are never handed out again.
    func rollBackToCommitted() {
        history = committedHistory
        usage = committedUsage
        clearedUsage = committedClearedUsage
        pendingApprovals = committedPendingApprovals
        let dropped = Set(uncommittedEvents.map(\.seq))
        uncommittedEvents.removeAll()
        if !dropped.isEmpty { recentEvents.removeAll { dropped.contains($0.seq) } }
        publishInfo()
    }

    /// The client's answer for a turn whose commit failed, after `rollBackToCommitted`: it says
    /// what the session kept, so a client knows whether sending the message again repeats it.
    func turnNotSaved(_ error: any Error, historyAtStart: [ChatMessage]) -> SessionError {
        let kept = committedHistory == historyAtStart
            ? "nothing of this turn was kept: the session is as it was before the query, so it is safe to send it again"
            : "the session keeps the \(committedHistory.count) messages saved before the failure, not the rest of this turn"
        if let storeError = error as? StoreError {
            if case .sessionNotFound = storeError {
                return .conflict(id: id, reason: "the session was deleted while the query ran; \(kept)")
            }
            if case .leaseLost = storeError {
                return .storeUnavailable(reason: "the turn could not be saved (\(storeError)); \(kept)")
            }
            if storeError.isStorageFailure {
                return .storeUnavailable(reason: "the turn could not be saved (\(storeError)); \(kept)")
            }
        }
        return .storeFailed(reason: "the turn could not be saved (\(error)); \(kept)")
    }

    /// Also taken by a query start and a refresh (`AgentSession+Lease`): they write or read the
    /// version this copy's next commit is based on.
    func takeCommitTurn() async {
        guard committing else {
            committing = true
            return
        }
        // Handed over by `passCommitTurn`: `committing` stays set.
        await withCheckedContinuation { commitWaiters.append($0) }
    }

    func passCommitTurn() {
        if commitWaiters.isEmpty {
            committing = false
        } else {
            commitWaiters.removeFirst().resume()
        }
    }
}
