import Foundation
import Synchronization

/// One conversation: its history, usage, event sequence, and the query running on it.
///
/// Threading: an actor. A query runs in a child task the session owns, so cancel, delete, clear
/// and shutdown act in one place. Reads go through `info`, a snapshot behind a mutex that is
/// updated at each commit, so they never wait for the actor or a running query.
///
/// What reads show is what the store holds (`committedHistory`, `committedUsage`): a commit
/// that fails rolls memory back to it (`AgentSession+Commit`), so an answer and the state agree.
public actor AgentSession {
    public nonisolated let id: String
    public nonisolated let owner: String?
    public nonisolated let createdAt: Date
    /// The session's own system prompt; nil uses the configured default at query time.
    public nonisolated let systemPrompt: String?
    /// The session's default model; nil uses the configured default at query time.
    public nonisolated let model: String?
    private nonisolated let snapshot: Mutex<SessionInfo>
    /// Whether `history` is in memory (`AgentSession+History`): readable without the actor, and
    /// counted in `SessionCounters.holdingHistory` while true.
    nonisolated let holdsHistory: Atomic<Bool>
    nonisolated let counters: SessionCounters

    let settings: SessionSettings
    let store: any SessionStore
    /// Empty while the history is not held (`holdsHistory`): an idle session keeps only its header.
    var history: [ChatMessage]
    /// The history as last written to the store: what reads show, and the base of the next change.
    var committedHistory: [ChatMessage]
    /// Messages the store holds (no system prompt): what `info` shows while the history is not held.
    var storedMessageCount: Int
    /// Since creation or the last clear; `clear` moves it into `clearedUsage`.
    var usage: SessionUsage
    /// The usage as last written to the store.
    var committedUsage: SessionUsage
    /// Every clear's usage added up: with `usage`, the lifetime that budgets count.
    var clearedUsage: SessionUsage
    /// `clearedUsage` as last written to the store.
    var committedClearedUsage: SessionUsage
    /// The first user message, shortened; set when the first query starts.
    var title: String?
    /// The calls the paused last turn waits on (empty: none), with partial decisions. Changes
    /// with the history it belongs to: at a checkpoint, a query's end, a decision, a clear.
    var pendingApprovals: [PendingApproval]
    /// `pendingApprovals` as last written to the store.
    var committedPendingApprovals: [PendingApproval]
    var lastSeq: Int64
    var lastUsedAt: Date
    var running: RunningQuery?
    var queued: [PendingQuery] = []
    /// Events kept for resumption while a query runs; dropped once a query's end is committed
    /// (the store serves them from then on).
    var recentEvents: [StampedEvent] = []
    var uncommittedEvents: [StampedEvent] = []
    var followers: [UUID: AsyncStream<StampedEvent>.Continuation] = [:]
    var resultWaiters: [String: QueryResultBox] = [:]
    var isRetired = false
    /// One commit at a time (see `commit`): set while one runs, the rest wait in order.
    var committing = false
    var commitWaiters: [CheckedContinuation<Void, Never>] = []
    /// The store's version of the session this copy is (-1: known stale). Compared when a query
    /// takes the lease and when an idle session is used (`AgentSession+Lease`); another
    /// responder's writes make it differ, and the copy is reloaded.
    var storedVersion: Int64
    /// Not stored yet: created for a query under an id generated here, it is written by that
    /// query's start, with the lease, in one transaction (`SessionStore.createSession(_:beginningQuery:title:)`).
    var unstoredHeader: SessionHeader?

    /// `committedHistory` is what the store already holds of `history` (all of it when nil); a
    /// session seeded with messages starts with none of them stored, so its first commit writes them.
    init(header: SessionHeader, lastUsedAt: Date, history: [ChatMessage], usage: SessionUsage,
         clearedUsage: SessionUsage = SessionUsage(), title: String? = nil, lastSeq: Int64,
         settings: SessionSettings, store: any SessionStore, committedHistory: [ChatMessage]? = nil,
         pendingApprovals: [PendingApproval] = [], version: Int64 = 1, counters: SessionCounters = SessionCounters(),
         storedByFirstQuery: Bool = false) {
        unstoredHeader = storedByFirstQuery ? header : nil
        self.pendingApprovals = pendingApprovals
        self.committedPendingApprovals = pendingApprovals
        id = header.id
        owner = header.owner
        createdAt = header.createdAt
        systemPrompt = header.systemPrompt
        model = header.model
        self.settings = settings
        self.store = store
        self.history = history
        self.committedHistory = committedHistory ?? history
        storedMessageCount = SessionInfo.countMessages(committedHistory ?? history)
        holdsHistory = Atomic(true)
        self.counters = counters
        counters.holdingHistory.add(1, ordering: .relaxed)
        self.usage = usage
        self.committedUsage = usage
        self.clearedUsage = clearedUsage
        self.committedClearedUsage = clearedUsage
        self.title = title
        self.lastSeq = lastSeq
        self.lastUsedAt = lastUsedAt
        storedVersion = version
        snapshot = Mutex(SessionInfo(id: header.id, owner: header.owner, createdAt: header.createdAt,
                                     lastUsedAt: lastUsedAt, messageCount: SessionInfo.countMessages(history),
                                     usage: usage, lifetimeUsage: clearedUsage.adding(usage), title: title,
                                     pendingApprovals: pendingApprovals))
    }

    deinit {
        if holdsHistory.load(ordering: .relaxed) { counters.holdingHistory.subtract(1, ordering: .relaxed) }
    }

    /// The last committed state; never waits.
    public nonisolated var info: SessionInfo {
        snapshot.withLock { $0 }
    }

    func publishInfo() {
        let info = SessionInfo(id: id, owner: owner, createdAt: createdAt, lastUsedAt: lastUsedAt,
                               messageCount: holdsHistory.load(ordering: .relaxed)
                                   ? SessionInfo.countMessages(committedHistory) : storedMessageCount,
                               usage: committedUsage,
                               lifetimeUsage: committedClearedUsage.adding(committedUsage), title: title,
                               runningQueryId: running?.queryId, queuedQueries: queued.count,
                               pendingApprovals: committedPendingApprovals)
        snapshot.withLock { $0 = info }
    }

    /// Stamps an event with the next `seq`, keeps it for the next commit and for resumption,
    /// and hands it to every listener.
    @discardableResult
    func stamp(_ event: AgentEvent, queryId: String) -> StampedEvent {
        lastSeq += 1
        let stamped = StampedEvent(event: event, timestamp: Date(), sessionId: id, queryId: queryId, seq: lastSeq)
        uncommittedEvents.append(stamped)
        recentEvents.append(stamped)
        if recentEvents.count > settings.recentEventsInMemory {
            recentEvents.removeFirst(recentEvents.count - settings.recentEventsInMemory)
        }
        if running?.queryId == queryId, running?.heldEvents != nil {
            // After a step deferred to the query's end: handed out once that commit is in.
            running?.heldEvents?.append(stamped)
            return stamped
        }
        deliver(stamped)
        return stamped
    }

    /// Hands a stamped event to the running query's clients and the session's followers.
    func deliver(_ stamped: StampedEvent) {
        if let running, running.queryId == stamped.queryId {
            for continuation in running.subscribers.values { continuation.yield(stamped) }
        }
        for continuation in followers.values { continuation.yield(stamped) }
    }
}
