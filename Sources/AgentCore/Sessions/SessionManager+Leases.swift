import Foundation

/// The responder's part in the lease protocol (docs/ARCHITECTURE.md §4.5): renewing the leases
/// of the queries running here, and sweeping sessions whose lease expired (a responder died, or
/// lost the store) so their queries end as interrupted and the sessions can be used again.
extension SessionManager {
    /// Renews, then sweeps, every `lease_seconds / 3` until the task is cancelled. Every
    /// responder runs one; the store makes sure each expired query is closed once.
    ///
    /// Threading: one task on the cooperative pool (started by the runtime beside the cleanup
    /// loop); it only awaits the store, whose work runs on the store's own threads.
    public func runLeaseLoop() async {
        let interval = store.lease.duration / 3
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await renewLeases()
            await sweepExpiredLeases()
        }
    }

    /// One statement extends every lease held here; a query whose lease was lost is stopped.
    func renewLeases() async {
        var running: [String: String] = [:]
        var holders: [String: AgentSession] = [:]
        for (id, session) in sessions where session.info.runningQueryId != nil {
            guard let queryId = await session.leasedQueryId else { continue }
            running[id] = queryId
            holders[id] = session
        }
        guard !running.isEmpty else { return }
        do {
            let lost = try await store.renewLeases(running)
            if lost.count < running.count { counters.leaseRenewals.add(1, ordering: .relaxed) }
            for id in lost {
                // A query that ended meanwhile released its lease itself: nothing was lost.
                guard let session = holders[id], let queryId = running[id],
                      await session.leaseLost(queryId: queryId) else { continue }
                counters.leasesLost.add(1, ordering: .relaxed)
                logger.warning("a running query lost its lease (expired and swept, or the session was deleted); stopped it",
                               metadata: ["session_id": "\(id)", "query_id": "\(queryId)"])
            }
        } catch {
            // The next round tries again; a lease not renewed for lease_seconds is swept by
            // whichever responder reaches the store first, and this one's commits are refused.
            logger.warning("renewing leases failed", metadata: ["error": "\(error)", "running": "\(running.count)"])
        }
    }

    /// Closes queries whose lease expired as interrupted (`SessionStore.sweepExpiredLeases`).
    @discardableResult
    func sweepExpiredLeases(now: Date = Date()) async -> [RecoveredQuery] {
        do {
            let closed = try await store.sweepExpiredLeases(now: now)
            for query in closed {
                counters.takeovers.add(1, ordering: .relaxed)
                logger.warning("a query's lease expired (its responder died or lost the store); closed it as interrupted",
                               metadata: ["session_id": "\(query.sessionId)", "query_id": "\(query.queryId)"])
            }
            return closed
        } catch {
            logger.debug("sweeping expired leases failed", metadata: ["error": "\(error)"])
            return []
        }
    }
}
