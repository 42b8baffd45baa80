import Foundation
import Synchronization

/// One conversation: its history, usage, event sequence, and the query running on it.
///
/// Threading: an actor. A query runs in a child task the session owns, so cancel, delete, clear
/// and shutdown act in one place. Reads go through `info`, a snapshot behind a mutex that is
/// updated at each commit, so they never wait for the actor or a running query.
public actor AgentSession {
    public nonisolated let id: String
    public nonisolated let owner: String?
    public nonisolated let createdAt: Date
    /// The session's own system prompt; nil uses the configured default at query time.
    public nonisolated let systemPrompt: String?
    private nonisolated let snapshot: Mutex<SessionInfo>

    let settings: SessionSettings
    let persistence: (any SessionPersistence)?
    var history: [ChatMessage]
    /// The history as last written to the store, to send only what changed.
    var committedHistory: [ChatMessage]
    /// Since creation or the last clear; `clear` moves it into `clearedUsage`.
    var usage: SessionUsage
    /// Every clear's usage added up: with `usage`, the lifetime that budgets count.
    var clearedUsage: SessionUsage
    /// The first user message, shortened; set when the first query starts.
    var title: String?
    var lastSeq: Int64
    var lastUsedAt: Date
    var running: RunningQuery?
    var queued: [PendingQuery] = []
    /// Events kept for resumption while a query runs (and, without a store, the latest ones);
    /// with a store they are dropped once a query's end is committed (the store serves them).
    var recentEvents: [StampedEvent] = []
    var uncommittedEvents: [StampedEvent] = []
    var followers: [UUID: AsyncStream<StampedEvent>.Continuation] = [:]
    var resultWaiters: [String: QueryResultBox] = [:]
    var isRetired = false

    init(header: SessionHeader, lastUsedAt: Date, history: [ChatMessage], usage: SessionUsage,
         clearedUsage: SessionUsage = SessionUsage(), title: String? = nil, lastSeq: Int64,
         settings: SessionSettings, persistence: (any SessionPersistence)?) {
        id = header.id
        owner = header.owner
        createdAt = header.createdAt
        systemPrompt = header.systemPrompt
        self.settings = settings
        self.persistence = persistence
        self.history = history
        self.committedHistory = history
        self.usage = usage
        self.clearedUsage = clearedUsage
        self.title = title
        self.lastSeq = lastSeq
        self.lastUsedAt = lastUsedAt
        snapshot = Mutex(SessionInfo(id: header.id, owner: header.owner, createdAt: header.createdAt,
                                     lastUsedAt: lastUsedAt, messageCount: SessionInfo.countMessages(history),
                                     usage: usage, lifetimeUsage: clearedUsage.adding(usage), title: title))
    }

    /// The last committed state; never waits.
    public nonisolated var info: SessionInfo {
        snapshot.withLock { $0 }
    }

    /// The committed history (no system prompt), for `GET /sessions/{id}/messages`.
    public func messages() -> [ChatMessage] {
        history
    }

    func publishInfo() {
        let info = SessionInfo(id: id, owner: owner, createdAt: createdAt, lastUsedAt: lastUsedAt,
                               messageCount: SessionInfo.countMessages(history), usage: usage,
                               lifetimeUsage: clearedUsage.adding(usage), title: title,
                               runningQueryId: running?.queryId, queuedQueries: queued.count)
        snapshot.withLock { $0 = info }
    }

    /// Stamps an event with the next `seq`, keeps it for the next commit and for resumption,
    /// and hands it to every listener.
    @discardableResult
    func record(_ event: AgentEvent, queryId: String) -> StampedEvent {
        lastSeq += 1
        let stamped = StampedEvent(event: event, timestamp: Date(), sessionId: id, queryId: queryId, seq: lastSeq)
        uncommittedEvents.append(stamped)
        recentEvents.append(stamped)
        if recentEvents.count > settings.recentEventsInMemory {
            recentEvents.removeFirst(recentEvents.count - settings.recentEventsInMemory)
        }
        if let running, running.queryId == queryId {
            for continuation in running.subscribers.values { continuation.yield(stamped) }
        }
        for continuation in followers.values { continuation.yield(stamped) }
        return stamped
    }

    /// Writes the current state and the events since the last commit in one transaction.
    func commit(runningQueryId: String?) async throws {
        publishInfo()
        guard let persistence else {
            uncommittedEvents.removeAll()
            return
        }
        let events = uncommittedEvents
        uncommittedEvents.removeAll()
        let written = history
        // The cleared usage goes with every commit: a clear whose commit failed is then saved
        // by the next one, like its history.
        let commit = SessionCommit(sessionId: id, history: .between(committedHistory, written), events: events,
                                   usage: usage, clearedUsage: clearedUsage, lastUsedAt: lastUsedAt,
                                   runningQueryId: runningQueryId)
        do {
            try await persistence.commit(commit)
            committedHistory = written
        } catch {
            // Keep them for the next attempt: a later commit may succeed once the disk recovers.
            uncommittedEvents.insert(contentsOf: events, at: 0)
            throw error
        }
    }
}
