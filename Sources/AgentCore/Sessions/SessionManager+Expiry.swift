import Foundation

extension SessionManager {
    /// Deletes sessions idle longer than `session_timeout` from memory and the store.
    /// A busy session is never expired, however long its query runs.
    ///
    /// The store decides: sessions idle here are only taken out of memory, and the store deletes
    /// those whose stored last use (written by whichever responder used them last) is before the
    /// cutoff and that no query is marked running on. A session another responder used since is
    /// kept, and comes back from the store on its next request here.
    @discardableResult
    public func expireIdleSessions(now: Date = Date()) async -> [String] {
        let cutoff = now.addingTimeInterval(-settings.sessionTimeout.inSeconds)
        var unloaded: [String] = []
        for info in sessions.values.map(\.info) where info.lastUsedAt < cutoff && !info.isBusy {
            guard let session = sessions[info.id], await session.retireIfIdle() else { continue }
            if sessions[info.id] === session { sessions.removeValue(forKey: info.id) }
            unloaded.append(info.id)
        }
        // Sessions being loaded or deleted are left alone: the load would otherwise bring
        // back a session whose row is gone, and the deletion is already doing the work.
        let busy = Set(sessions.keys).union(loading.keys).union(deleting.keys)
        let store = self.store
        let expiry = Task { try await store.expireSessions(idleBefore: cutoff, excluding: busy) }
        // The ids just unloaded are fenced like a DELETE until the store is done, so a request
        // meanwhile cannot load a row that is about to go.
        let fence = Task<Void, Error> { _ = try await expiry.value }
        for id in unloaded { deleting[id] = fence }
        defer { for id in unloaded where deleting[id] == fence { deleting.removeValue(forKey: id) } }
        var expired: [String] = []
        do {
            expired = try await expiry.value
        } catch {
            logger.warning("expiring stored sessions failed; it will be retried", metadata: ["error": "\(error)"])
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
