import Foundation

/// Removing sessions (DELETE, expiry) without racing the requests that arrive meanwhile.
extension SessionManager {
    /// `DELETE /sessions/{id}`: cancels what runs, then removes it from memory and store.
    /// Refused with `storeUnavailable` while the store cannot take writes, before anything is
    /// cancelled; a delete that fails in the store leaves the session there, to come back on
    /// its next use.
    public func delete(id: String, owner: String?) async throws {
        try await refuseWhileStoreDegraded()
        let session = try await session(id: id, owner: owner)
        try await stopElsewhere(session, kind: .delete)
        do {
            try await remove(session, reason: "the session was deleted")
            await announce(.delete, of: id)
        } catch let error as StoreError where !error.isStorageFailure {
            throw SessionError.storeFailed(reason: "deleting failed (\(error)); the session is still stored")
        } catch {
            throw SessionError.storeUnavailable(reason: "deleting failed (\(error)); the session is still stored")
        }
    }

    /// Takes `session` out of memory, stops it (`retire`), and deletes it from the store. Its id
    /// is fenced (`deleting`) until the store row is gone: a query for the same id waits, then
    /// creates a new session (get-or-create) whose row nothing deletes.
    func remove(_ session: AgentSession, reason: String) async throws {
        let id = session.id
        if sessions[id] === session { sessions.removeValue(forKey: id) }
        let store = self.store
        let deletion = Task {
            await session.retire(reason: reason)
            try await store.deleteSession(id: id)
        }
        deleting[id] = deletion
        defer { deleting.removeValue(forKey: id) }
        try await deletion.value
    }

    /// Returns once no deletion of `id` is under way (see `deleting`).
    func waitForDeletion(of id: String) async {
        while let deletion = deleting[id] {
            _ = await deletion.result
        }
    }

    /// Drops a copy whose session another responder deleted.
    func forget(_ session: AgentSession) {
        guard sessions[session.id] === session else { return }
        sessions.removeValue(forKey: session.id)
        Task { await session.retire(reason: "the session was deleted through another responder") }
    }
}
