import Foundation

/// A run's last step written with the query's end (`QueryCheckpoint.endsRun`): one commit where
/// there were two, so a query waits for the store one time fewer (on PostgreSQL, one WAL flush).
/// What a client sees stays the same: the events after that step (the answer, `final`, `usage`)
/// are held (`RunningQuery.heldEvents`) and handed out only once the commit holding the step is
/// in, as they were when the step had its own commit; if it fails, the stream ends as it does
/// when a step's commit fails: with an `error` saying what was kept, then `usage`.
extension AgentSession {
    /// After the query's end commit (`committed`: whether it went in): hands out what was held.
    /// Non-nil only when a deferred step was lost with that commit: the terminal event the
    /// query ends with instead, and whether writing that end failed too.
    func releaseHeldEvents(queryId: String, committed: Bool, failure: SessionError?, endingQueryId: String?)
        async -> (terminal: AgentEvent, persistenceError: String?)? {
        guard running?.queryId == queryId, let held = running?.heldEvents else { return nil }
        running?.heldEvents = nil
        if committed {
            for event in held { deliver(event) }
            return nil
        }
        // The held events were dropped with the failed commit (`rollBackToCommitted`): the
        // clients get instead what a failed step commit would have given them.
        let reason = failure?.description ?? "the session could not be saved"
        let terminal = AgentEvent.error(message: "saving the session failed: \(reason)", code: .internalError)
        stamp(terminal, queryId: queryId)
        stamp(.usage(usage), queryId: queryId)
        do {
            try await commit(runningQueryId: nil, endingQueryId: endingQueryId)
            return (terminal, nil)
        } catch {
            rollBackToCommitted()
            return (terminal, String(describing: error))
        }
    }
}
