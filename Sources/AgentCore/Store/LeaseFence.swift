/// The rule both stores apply, inside a commit's transaction with the session row locked, before
/// writing anything: a responder whose copy is stale or that no longer holds the session's lease
/// cannot write over what another responder (or the sweeper) stored.
struct LeaseFence: Sendable {
    var owner: String
    var queryId: String?
    var baseVersion: Int64?
    var query: TurnCommit.QueryMark

    /// Throws `StoreError.leaseLost` when the commit must not be written.
    func check(sessionId: String, version: Int64, runningQueryId: String?, leaseOwner: String?) throws {
        if let baseVersion, baseVersion != version {
            throw StoreError.leaseLost(sessionId: sessionId, reason: "the session was changed elsewhere since this "
                                       + "responder read it (stored version \(version), this copy's \(baseVersion))")
        }
        if let runningQueryId, let leaseOwner, leaseOwner != owner {
            throw StoreError.leaseLost(sessionId: sessionId,
                                       reason: "query \(runningQueryId) holds it on responder \(leaseOwner)")
        }
        // A query whose marker is gone was closed by a sweep (its lease expired) or ended: it
        // may not write its end. (Setting the marker, `.running`, takes a free session.)
        if let queryId, runningQueryId != queryId {
            if case .running = query { return }
            throw StoreError.leaseLost(sessionId: sessionId, reason: "query \(queryId)'s lease expired and the query "
                                       + "was closed as interrupted")
        }
    }
}
