import Foundation

/// Sessions persisted in a `SnapshotStore` (SQLite): the session layer's vocabulary mapped onto
/// the store's records and one-transaction step commits.
public struct SnapshotSessionPersistence: SessionPersistence {
    public let store: any SnapshotStore

    public init(store: any SnapshotStore) {
        self.store = store
    }

    public func createSession(_ header: SessionHeader) async throws {
        try await store.createSession(SessionRecord(id: header.id, owner: header.owner, createdAt: header.createdAt,
                                                    systemPrompt: header.systemPrompt, model: header.model))
    }

    public func loadSession(id: String) async throws -> PersistedSession? {
        guard let stored = try await store.loadSession(id) else { return nil }
        let record = stored.record
        return PersistedSession(
            header: SessionHeader(id: record.id, owner: record.owner, createdAt: record.createdAt,
                                  systemPrompt: record.systemPrompt, model: record.model),
            lastUsedAt: record.lastUsedAt, history: stored.messages, usage: record.usage, lastSeq: record.lastSeq)
    }

    public func beginQuery(sessionId: String, queryId: String, at time: Date) async throws {
        try await store.beginQuery(queryId, in: sessionId)
    }

    public func commit(_ commit: SessionCommit) async throws {
        let history: StepCommit.History?
        switch commit.history {
        case .unchanged: history = nil
        case .append(let from, let messages): history = .appending(messages, at: from)
        case .replace(let messages): history = .replacingAll(with: messages)
        }
        let query: StepCommit.QueryMark = commit.runningQueryId.map { .running(queryId: $0) } ?? .finished
        let started = ContinuousClock.now
        do {
            try await store.commitStep(StepCommit(history: history, events: commit.events, usage: commit.usage,
                                                  lastUsedAt: commit.lastUsedAt, query: query),
                                       to: commit.sessionId)
        } catch {
            AgentMetrics.storeCommit(outcome: "error", started: started)
            throw error
        }
        AgentMetrics.storeCommit(outcome: "ok", started: started)
    }

    public func deleteSession(id: String) async throws {
        try await store.deleteSession(id)
    }

    public func listSessions(in scope: SessionScope, limit: Int, after cursor: String?) async throws -> SessionListPage {
        var storeCursor: SessionCursor?
        if let cursor {
            guard let parsed = SessionCursor(token: cursor) else { throw SessionError.invalidCursor(cursor) }
            storeCursor = parsed
        }
        let page = try await store.listSessions(in: scope, limit: limit, after: storeCursor)
        let summaries = page.sessions.map {
            SessionSummary(id: $0.id, owner: $0.owner, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt,
                           messageCount: $0.messageCount)
        }
        return SessionListPage(sessions: summaries, nextCursor: page.nextCursor?.token)
    }

    public func countSessions(in scope: SessionScope) async throws -> Int {
        try await store.countSessions(in: scope)
    }

    public func events(sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await store.events(of: sessionId, after: seq, limit: limit)
    }

    public func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String] {
        try await store.expireSessions(idleBefore: cutoff, excluding: excluding)
    }

    public func writeProblem() async -> String? {
        if case .degraded(let reason) = await store.checkHealth() { return reason }
        return nil
    }
}
