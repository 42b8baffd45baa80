import Foundation

extension SessionManager {
    /// Deletes sessions idle longer than `session_timeout` from memory and the store.
    /// A busy session is never expired, however long its query runs.
    @discardableResult
    public func expireIdleSessions(now: Date = Date()) async -> [String] {
        let cutoff = now.addingTimeInterval(-settings.sessionTimeout.inSeconds)
        var expired: [String] = []
        for info in sessions.values.map(\.info) where info.lastUsedAt < cutoff && !info.isBusy {
            guard let session = sessions[info.id], await session.retireIfIdle() else { continue }
            do {
                try await remove(session, reason: "the session expired")
            } catch {
                logger.warning("could not delete expired session from the store; it will be retried",
                               metadata: ["session_id": "\(info.id)", "error": "\(error)"])
            }
            expired.append(info.id)
        }
        do {
            // Sessions being loaded or deleted are left alone: the load would otherwise bring
            // back a session whose row is gone, and the deletion is already doing the work.
            let busy = Set(sessions.keys).union(loading.keys).union(deleting.keys)
            let stored = try await store.expireSessions(idleBefore: cutoff, excluding: busy)
            expired.append(contentsOf: stored)
        } catch {
            logger.warning("expiring stored sessions failed", metadata: ["error": "\(error)"])
        }
        if !expired.isEmpty {
            counters.expired.add(expired.count, ordering: .relaxed)
            logger.info("expired idle sessions", metadata: ["count": "\(expired.count)"])
        }
        return expired
    }

    /// Waits until no query runs or waits in any session held in memory, or until `deadline`.
    /// Returns whether everything finished. (Queries whose client left still run under
    /// `on_disconnect: continue`; a drain gives them the same deadline as requests.)
    public func waitUntilQueriesFinish(deadline: ContinuousClock.Instant) async -> Bool {
        while sessions.values.contains(where: { $0.info.isBusy }) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// Cancels every query still running (after the drain deadline) and waits for their commits.
    public func stopAll(reason: String) async {
        for session in sessions.values {
            await session.retire(reason: reason)
        }
    }
}
