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
    public nonisolated let store: any SessionStore
    var sessions: [String: AgentSession] = [:] {
        didSet { counters.inMemory.store(sessions.count, ordering: .relaxed) }
    }
    var loading: [String: Task<AgentSession?, Error>] = [:]
    /// Sessions being deleted (DELETE, expiry), until their store row is gone. Their ids are not
    /// looked up, loaded or created meanwhile: otherwise the old row could be loaded back, or a
    /// new session under the same id could have its row deleted by the old one's removal.
    var deleting: [String: Task<Void, Error>] = [:]
    let logger: Logger
    public nonisolated let counters = SessionCounters()
    /// Queries on other responders sharing the store (`SessionManager+Remote`); nil without a bus.
    public nonisolated let remote: RemoteQueries?

    /// `bus`: the store's wake-ups between responders, when several share it (PostgreSQL).
    public init(settings: SessionSettings, store: any SessionStore, bus: (any SessionBus)? = nil,
                logger: Logger = Logger(label: "agent-fcgi.sessions")) {
        self.settings = settings
        self.store = store
        self.logger = logger
        remote = bus.map { RemoteQueries(bus: $0, store: store) }
        remote?.attach(self)
    }

    /// Applies changed limits and policies (config reload); sessions keep running.
    public func update(settings: SessionSettings) {
        self.settings = settings
    }

    /// `POST /sessions`: a new session with a fresh id; `model` becomes its default model.
    public func create(owner: String?, systemPrompt: String?, model: String? = nil) async throws -> AgentSession {
        let header = SessionHeader(id: SessionID.generate(), owner: owner, createdAt: Date(), systemPrompt: systemPrompt,
                                   model: model)
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
    /// A session the query creates starts from `seed` when there is one.
    public func sessionForQuery(id: String?, owner: String?, seed: SessionSeed? = nil) async throws -> AgentSession {
        func header(_ id: String) -> SessionHeader {
            SessionHeader(id: id, owner: owner, createdAt: Date(), systemPrompt: seed?.systemPrompt, model: seed?.model)
        }
        guard let id, !id.isEmpty else { return try await insertNew(header(SessionID.generate()), history: seed?.history ?? []) }
        guard SessionID.isValid(id) else { throw SessionError.invalidId(id: id) }
        // Two clients may create the same new id at once: the one whose insert loses finds the
        // winner's session on the next pass.
        for _ in 0..<3 {
            let session: AgentSession
            if let existing = try await lookup(id: id) {
                session = existing
            } else {
                do {
                    session = try await insertNew(header(id), history: seed?.history ?? [])
                } catch is SessionIdTaken {
                    continue
                }
            }
            guard session.owner == owner else { throw SessionError.notFound(id: id) }
            return session
        }
        throw SessionError.conflict(id: id, reason: "other requests kept creating and deleting this session; try again")
    }

    /// Starts (or queues) a query, looking the session up again if it was evicted meanwhile.
    public func submitQuery(sessionId: String?, owner: String?, message: String, runner: any QueryRunner,
                            defaultSystemPrompt: String?) async throws -> QuerySubscription {
        try await submitQuery(sessionId: sessionId, owner: owner, input: QueryInput(text: message), runner: runner,
                              defaultSystemPrompt: defaultSystemPrompt)
    }

    /// The same with the whole input, and what a session it creates starts from.
    public func submitQuery(sessionId: String?, owner: String?, input: QueryInput, runner: any QueryRunner,
                            defaultSystemPrompt: String?, seed: SessionSeed? = nil) async throws -> QuerySubscription {
        // A turn that cannot be saved is not started: the model would be paid for nothing.
        try await refuseWhileStoreDegraded()
        var id = sessionId
        for _ in 0..<3 {
            let session: AgentSession
            if let id, !id.isEmpty {
                session = try await sessionForQuery(id: id, owner: owner, seed: seed)
            } else {
                // Nobody else can know a generated id yet: the row is written by the query's
                // start, with its lease, in one transaction instead of two.
                let header = SessionHeader(id: SessionID.generate(), owner: owner, createdAt: Date(),
                                           systemPrompt: seed?.systemPrompt, model: seed?.model)
                session = try await insertNew(header, history: seed?.history ?? [], storedByFirstQuery: true)
            }
            id = session.id
            // `reject` across responders: a query running elsewhere answers 409 now, before the
            // stream starts (a race with one starting meanwhile is refused when its lease is taken).
            if settings.concurrencyPolicy == .reject, let state = try? await session.refresh(),
               state.heldByOther(than: store.lease.owner) {
                throw SessionError.busy(id: session.id, runningQueryId: state.runningQueryId,
                                        reason: "a query is running on responder \(state.leaseOwner ?? "?")")
            }
            do {
                return try await session.submit(input: input, runner: runner, defaultSystemPrompt: defaultSystemPrompt)
            } catch is SessionRetired {
                continue
            }
        }
        throw SessionError.capacity(retryAfterSeconds: 1)
    }

    /// Sessions in memory right now.
    public var inMemoryCount: Int { sessions.count }

    /// The same, readable without waiting for the actor (for `/status`).
    public nonisolated var inMemoryCountSnapshot: Int { counters.inMemory.load(ordering: .relaxed) }

    /// Every stored session, whoever owns it (the operator's `/status` and `/metrics`).
    public func totalCount() async throws -> Int {
        try await count(in: .everyone)
    }

    /// Sessions the caller may see (`/health`'s `active_sessions`): an anonymous caller
    /// (`owner` nil) counts only the sessions created without a principal.
    public func count(owner: String?) async throws -> Int {
        try await count(in: .owner(owner))
    }

    func count(in scope: SessionScope) async throws -> Int {
        try await store.countSessions(in: scope)
    }

    /// Sessions of `scope` held in memory (the fallback when the store cannot be read).
    public func inMemoryCount(in scope: SessionScope) -> Int {
        guard case .owner(let owner) = scope else { return sessions.count }
        return sessions.values.filter { $0.owner == owner }.count
    }

    /// The caller's sessions: a principal's own, or (`owner` nil) those created without one.
    public func list(owner: String?, limit: Int, after cursor: String?) async throws -> SessionListPage {
        var page = try await store.listSessions(in: .owner(owner), limit: limit, after: cursor)
        // The store lags behind a running query by at most one step; memory is authoritative.
        for index in page.sessions.indices {
            guard let live = sessions[page.sessions[index].id]?.info else { continue }
            page.sessions[index].lastUsedAt = live.lastUsedAt
            page.sessions[index].messageCount = live.messageCount
            page.sessions[index].title = live.title ?? page.sessions[index].title
        }
        return page
    }

    func lookup(id: String) async throws -> AgentSession? {
        await waitForDeletion(of: id)
        if let session = sessions[id] {
            // A cache over the store: another responder may have changed or deleted it. If the
            // store cannot answer, the copy held here serves (queries are gated on health).
            do {
                if try await session.refresh() == nil {
                    forget(session)
                    return nil
                }
            } catch {
                logger.debug("could not compare a session with the store; using the copy in memory",
                             metadata: ["session_id": "\(id)", "error": "\(error)"])
            }
            return session
        }
        if let inFlight = loading[id] { return try await inFlight.value }
        // The task (isolated to this actor) also decides what goes into the map, so every caller
        // that joins it gets the one object the map holds: a second live object for the same
        // id would commit into the same row with its own seqs.
        let task = Task<AgentSession?, Error> {
            guard let stored = try await self.store.loadSession(id: id) else { return nil }
            if let raced = self.sessions[id] { return raced }
            let summary = stored.summary
            let loaded = AgentSession(header: summary.header, lastUsedAt: summary.lastUsedAt, history: stored.history,
                                      usage: summary.usage, clearedUsage: summary.clearedUsage, title: summary.title,
                                      lastSeq: summary.lastSeq, settings: self.settings, store: self.store,
                                      pendingApprovals: summary.pendingApprovals,
                                      version: summary.version, counters: self.counters)
            // Held only while a query needs it (`AgentSession+History`); reading the session
            // (GET /sessions/{id}, listings) needs only the header.
            await loaded.dropHistoryIfIdle()
            try await self.makeRoom()
            if let raced = self.sessions[id] { return raced }
            self.sessions[id] = loaded
            self.counters.loaded.add(1, ordering: .relaxed)
            return loaded
        }
        loading[id] = task
        defer { finishLoading(id, task) }
        return try await task.value
    }

    /// A creation may have taken the entry over from this load (see `insertNew`): leave its entry.
    private func finishLoading(_ id: String, _ task: Task<AgentSession?, Error>) {
        if loading[id] == task { loading.removeValue(forKey: id) }
    }

    /// `history` (a seed) is not stored yet: the session's first commit writes it.
    ///
    /// The creation is registered in `loading` like a load, so a lookup of the same id made while
    /// the row is being inserted joins it: otherwise it could load the new row as a second live
    /// object, and two objects would commit into one row with their own seqs.
    ///
    /// `storedByFirstQuery` (an id generated here, for a query): nothing is written now; the
    /// query's start writes the row (`AgentSession.unstoredHeader`).
    private func insertNew(_ header: SessionHeader, history: [ChatMessage] = [],
                           storedByFirstQuery: Bool = false) async throws -> AgentSession {
        try await makeRoom()
        await waitForDeletion(of: header.id)
        if let raced = sessions[header.id] { return raced }
        let session = AgentSession(header: header, lastUsedAt: header.createdAt, history: history, usage: SessionUsage(),
                                   lastSeq: 0, settings: settings, store: store, committedHistory: [],
                                   counters: counters, storedByFirstQuery: storedByFirstQuery)
        if storedByFirstQuery {
            sessions[header.id] = session
            counters.created.add(1, ordering: .relaxed)
            return session
        }
        // A load or creation of this id may be in flight (a client polling GET for the id it is
        // about to create keeps one in flight almost all the time). The creation takes the entry
        // over and runs after it, so lookups from now on join the creation instead of starting
        // loads that would find nothing; what the earlier one found, if anything, wins.
        let earlier = loading[header.id]
        let task = Task<AgentSession?, Error> {
            if let earlier, let found = try? await earlier.value { return found }
            if let raced = self.sessions[header.id] { return raced }
            do {
                try await self.store.createSession(header)
            } catch StoreError.sessionExists {
                throw SessionIdTaken()
            } catch {
                throw SessionError.storeUnavailable(reason: String(describing: error))
            }
            if let raced = self.sessions[header.id] { return raced }
            self.sessions[header.id] = session
            self.counters.created.add(1, ordering: .relaxed)
            return session
        }
        loading[header.id] = task
        defer { finishLoading(header.id, task) }
        guard let created = try await task.value else { throw SessionIdTaken() }
        return created
    }

    /// Throws `storeUnavailable` while the store cannot take writes (a cheap, throttled probe).
    func refuseWhileStoreDegraded() async throws {
        if case .degraded(let reason) = await store.checkHealth() {
            throw SessionError.storeUnavailable(reason: reason)
        }
    }

    /// Keeps the number held in memory under `max_sessions` by evicting the least recently used
    /// idle sessions; 503 when every one is busy.
    func makeRoom() async throws {
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

/// A concurrent request stored a session under the same id first; look it up again.
struct SessionIdTaken: Error {}
