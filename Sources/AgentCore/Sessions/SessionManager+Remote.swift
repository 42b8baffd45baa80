import Foundation

/// Cancel, clear and DELETE when the session's query runs on another responder sharing the
/// store, and what this responder does when another one asks (docs/SCALING.md). Without a bus
/// (SQLite: one responder per store) every query is local and these are the local operations.
extension SessionManager {
    /// `POST /sessions/{id}/cancel`: the query running here, or else the one the store says runs
    /// elsewhere (its responder is asked and acts within a notice's delay). Whether one ran.
    public func cancel(id: String, owner: String?) async throws -> Bool {
        let session = try await session(id: id, owner: owner)
        if await session.cancelRunning() { return true }
        guard let remote else { return false }
        do {
            return try await remote.cancelElsewhere(id)
        } catch {
            throw SessionError.storeUnavailable(reason: "cannot reach the query's responder through the store: \(error)")
        }
    }

    /// `POST /sessions/{id}/clear`: a query running elsewhere is stopped first (as a local one
    /// is), and the session is then read again from the store, which that query changed.
    public func clear(id: String, owner: String?) async throws {
        var session = try await session(id: id, owner: owner)
        if try await stopElsewhere(session, kind: .clear) {
            if sessions[id] === session, await session.retireIfIdle() { sessions.removeValue(forKey: id) }
            session = try await self.session(id: id, owner: owner)
        }
        try await session.clear()
        await announce(.clear, of: id)
    }

    /// After a clear or DELETE done here: the other responders drop their copy of the session
    /// from memory, so their next use reads the store instead of a history that is gone. Best
    /// effort: the change is committed already, and a lost notice leaves a stale copy only until
    /// that responder's next version check.
    func announce(_ kind: SessionNotice.Kind, of id: String) async {
        guard let remote else { return }
        try? await remote.bus.publish(SessionNotice(kind: kind, sessionId: id, instance: remote.bus.instance))
    }

    /// Stops what runs on `session` on other responders (clear, DELETE) and waits until it has
    /// ended; nothing to do when a query runs here (the local path stops it). Whether one ran.
    @discardableResult
    func stopElsewhere(_ session: AgentSession, kind: SessionNotice.Kind) async throws -> Bool {
        guard let remote, !session.info.isBusy else { return false }
        do {
            return try await remote.stopElsewhere(session.id, kind: kind)
        } catch let error as SessionError {
            throw error
        } catch {
            throw SessionError.storeUnavailable(reason: "cannot reach the query's responder through the store: \(error)")
        }
    }

    /// A notice from another responder about a session this one may hold: cancel its query, or
    /// (clear, DELETE there) stop what runs and drop it from memory, so its next use reloads
    /// what the other responder wrote. The id is fenced (`deleting`) until the stop is done.
    /// Queries queued behind the stopped one are stopped with it (`retire`), as a local clear does.
    func apply(_ notice: SessionNotice) async {
        let id = notice.sessionId
        guard let session = sessions[id] else { return }
        switch notice.kind {
        case .events:
            return
        case .cancel:
            guard session.info.runningQueryId == notice.queryId else { return }
            await session.cancelRunning()
        case .clear, .delete:
            guard deleting[id] == nil else { return }
            // An announcement of a clear or DELETE done elsewhere (no query id), or a stop meant
            // for a query that no longer runs here: only an idle copy is dropped. A query that
            // started here since (on a session created anew under the id, say) is left alone.
            guard let queryId = notice.queryId, session.info.runningQueryId == queryId else {
                if await session.retireIfIdle(), sessions[id] === session { sessions.removeValue(forKey: id) }
                return
            }
            sessions.removeValue(forKey: id)
            let reason = notice.kind == .clear ? "the session was cleared" : "the session was deleted"
            let stop = Task<Void, Error> { await session.retire(reason: reason) }
            deleting[id] = stop
            defer { deleting.removeValue(forKey: id) }
            _ = await stop.result
            logger.debug("stopped for another responder", metadata: ["session_id": "\(id)", "kind": "\(notice.kind.rawValue)"])
        }
    }
}
