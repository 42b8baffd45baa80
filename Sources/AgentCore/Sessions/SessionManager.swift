import Foundation
import Logging
import Synchronization

/// Owns every session held in memory: lookup and creation (docs/API.md §1 get-or-create), owner
/// scoping, the `max_sessions` cap with LRU eviction, expiry, and lazy loading from the store.
///
/// Threading: an actor; lookups are short. Reads of a session's state go through
/// `AgentSession.info` and never wait for a running query.
public actor SessionManager {
    public private(set) var settings: SessionSettings
    let persistence: (any SessionPersistence)?
    var sessions: [String: AgentSession] = [:] {
        didSet { counters.inMemory.store(sessions.count, ordering: .relaxed) }
    }
    var loading: [String: Task<AgentSession?, Error>] = [:]
    let logger: Logger
    public nonisolated let counters = SessionCounters()

    public init(settings: SessionSettings, persistence: (any SessionPersistence)?,
                logger: Logger = Logger(label: "agent-fcgi.sessions")) {
        self.settings = settings
        self.persistence = persistence
        self.logger = logger
    }

    /// Applies changed limits and policies (config reload); sessions keep running.
    public func update(settings: SessionSettings) {
        self.settings = settings
    }

    /// `POST /sessions`: a new session with a fresh id.
    public func create(owner: String?, systemPrompt: String?) async throws -> AgentSession {
        let header = SessionHeader(id: SessionID.generate(), owner: owner, createdAt: Date(), systemPrompt: systemPrompt)
        return try await insertNew(header)
    }

    /// An existing session the caller may see, from memory or the store; otherwise `notFound`.
    public func session(id: String, owner: String?) async throws -> AgentSession {
        guard SessionID.isValid(id) else { throw SessionError.invalidId(id: id) }
        guard let session = try await lookup(id: id), session.owner == owner else {
            throw SessionError.notFound(id: id)
        }
        return session
    }

    /// The query endpoints' get-or-create: no id → a new session; an unknown id → a new session
    /// under that id (clients choose ids); another principal's id → `notFound`.
    public func sessionForQuery(id: String?, owner: String?) async throws -> AgentSession {
        guard let id, !id.isEmpty else { return try await create(owner: owner, systemPrompt: nil) }
        guard SessionID.isValid(id) else { throw SessionError.invalidId(id: id) }
        if let existing = try await lookup(id: id) {
            guard existing.owner == owner else { throw SessionError.notFound(id: id) }
            return existing
        }
        return try await insertNew(SessionHeader(id: id, owner: owner, createdAt: Date(), systemPrompt: nil))
    }

    /// Starts (or queues) a query, looking the session up again if it was evicted meanwhile.
    public func submitQuery(sessionId: String?, owner: String?, message: String, runner: any QueryRunner,
                            defaultSystemPrompt: String?) async throws -> QuerySubscription {
        // A turn that cannot be saved is not started: the model would be paid for nothing.
        if let problem = await persistence?.writeProblem() {
            throw SessionError.storeUnavailable(reason: problem)
        }
        var id = sessionId
        for _ in 0..<3 {
            let session = try await sessionForQuery(id: id, owner: owner)
            id = session.id
            do {
                return try await session.submit(message: message, runner: runner, defaultSystemPrompt: defaultSystemPrompt)
            } catch is SessionRetired {
                continue
            }
        }
        throw SessionError.capacity(retryAfterSeconds: 1)
    }

    /// `DELETE /sessions/{id}`: cancels what runs, then removes it from memory and store.
    public func delete(id: String, owner: String?) async throws {
        let session = try await session(id: id, owner: owner)
        sessions.removeValue(forKey: id)
        await session.retire(reason: "the session was deleted")
        try await persistence?.deleteSession(id: id)
    }

    /// Sessions in memory right now.
    public var inMemoryCount: Int { sessions.count }

    /// The same, readable without waiting for the actor (for `/status`).
    public nonisolated var inMemoryCountSnapshot: Int { counters.inMemory.load(ordering: .relaxed) }

    /// Every session, whoever owns it (`/health`'s `active_sessions`): stored ones when there is a store.
    public func totalCount() async throws -> Int {
        if let persistence { return try await persistence.countSessions(owner: nil, allOwners: true) }
        return sessions.count
    }

    /// Sessions the caller can see: stored ones when there is a store, else those in memory.
    public func count(owner: String?) async throws -> Int {
        if let persistence { return try await persistence.countSessions(owner: owner, allOwners: false) }
        return sessions.values.filter { $0.owner == owner }.count
    }

    /// All sessions when `owner` is nil and there is no authentication; else the owner's.
    public func list(owner: String?, limit: Int, after cursor: String?) async throws -> SessionListPage {
        if let persistence {
            var page = try await persistence.listSessions(owner: owner, limit: limit, after: cursor)
            // The store lags behind a running query by at most one step; memory is authoritative.
            page.sessions = page.sessions.map { summary in
                guard let live = sessions[summary.id]?.info else { return summary }
                return SessionSummary(id: summary.id, owner: summary.owner, createdAt: summary.createdAt,
                                      lastUsedAt: live.lastUsedAt, messageCount: live.messageCount,
                                      title: live.title ?? summary.title)
            }
            return page
        }
        let visible = sessions.values.map(\.info).filter { $0.owner == owner }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let startIndex = cursor.flatMap { cursor in visible.firstIndex { $0.id == cursor }.map { $0 + 1 } } ?? 0
        let slice = visible.dropFirst(startIndex).prefix(limit)
        let summaries = slice.map {
            SessionSummary(id: $0.id, owner: $0.owner, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt,
                           messageCount: $0.messageCount, title: $0.title)
        }
        let more = startIndex + slice.count < visible.count
        return SessionListPage(sessions: summaries, nextCursor: more ? summaries.last?.id : nil)
    }

    private func lookup(id: String) async throws -> AgentSession? {
        if let session = sessions[id] { return session }
        guard let persistence else { return nil }
        if let inFlight = loading[id] { return try await inFlight.value }
        let task = Task<AgentSession?, Error> {
            guard let stored = try await persistence.loadSession(id: id) else { return nil }
            return AgentSession(header: stored.header, lastUsedAt: stored.lastUsedAt, history: stored.history,
                                usage: stored.usage, clearedUsage: stored.clearedUsage, title: stored.title,
                                lastSeq: stored.lastSeq, settings: self.settings, persistence: persistence)
        }
        loading[id] = task
        defer { loading.removeValue(forKey: id) }
        guard let loaded = try await task.value else { return nil }
        if let raced = sessions[id] { return raced }
        try await makeRoom()
        sessions[id] = loaded
        counters.loaded.add(1, ordering: .relaxed)
        return loaded
    }

    private func insertNew(_ header: SessionHeader) async throws -> AgentSession {
        try await makeRoom()
        let session = AgentSession(header: header, lastUsedAt: header.createdAt, history: [], usage: SessionUsage(),
                                   lastSeq: 0, settings: settings, persistence: persistence)
        if let persistence {
            do {
                try await persistence.createSession(header)
            } catch {
                throw SessionError.storeUnavailable(reason: String(describing: error))
            }
        }
        if let raced = sessions[header.id] { return raced }
        sessions[header.id] = session
        counters.created.add(1, ordering: .relaxed)
        return session
    }

    /// Keeps the number held in memory under `max_sessions` by evicting the least recently used
    /// idle sessions; 503 when every one is busy.
    private func makeRoom() async throws {
        guard sessions.count >= settings.maxSessions else { return }
        let candidates = sessions.values.map(\.info).filter { !$0.isBusy }.sorted { $0.lastUsedAt < $1.lastUsedAt }
        for candidate in candidates where sessions.count >= settings.maxSessions {
            guard let session = sessions[candidate.id], await session.retireIfIdle() else { continue }
            sessions.removeValue(forKey: candidate.id)
            counters.evicted.add(1, ordering: .relaxed)
            logger.debug("evicted idle session from memory", metadata: ["session_id": "\(candidate.id)"])
        }
        if sessions.count >= settings.maxSessions {
            throw SessionError.capacity(retryAfterSeconds: 1)
        }
    }
}
