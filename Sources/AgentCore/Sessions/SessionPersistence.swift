import Foundation

/// What a session needs from durable storage. The SQLite snapshot store implements it; without
/// one, sessions live in memory only (and an evicted session is gone).
///
/// Every call may throw; a session treats a failed write as "not durable" and says so to the client.
public protocol SessionPersistence: Sendable {
    func createSession(_ header: SessionHeader) async throws
    /// The whole stored state of a session, or nil when there is none.
    func loadSession(id: String) async throws -> PersistedSession?
    /// Marks a query as running, so a crash can be told apart from a finished query.
    func beginQuery(sessionId: String, queryId: String, at time: Date) async throws
    /// One transaction: the history as it now stands, the events since the last commit, the usage,
    /// and whether a query is still running. Returns when the data is on disk.
    func commit(_ commit: SessionCommit) async throws
    func deleteSession(id: String) async throws
    func listSessions(in scope: SessionScope, limit: Int, after cursor: String?) async throws -> SessionListPage
    func countSessions(in scope: SessionScope) async throws -> Int
    /// Stored events with `seq > after`, oldest first, at most `limit`.
    func events(sessionId: String, after seq: Int64, limit: Int) async throws -> [StoredEvent]
    /// Ids of sessions idle since before `cutoff`, deleted by this call; `excluding` are left alone.
    func expireSessions(idleBefore cutoff: Date, excluding: Set<String>) async throws -> [String]
    /// Why writes would fail right now, or nil when the store takes writes (a cheap, throttled probe).
    func writeProblem() async -> String?
}

public struct SessionHeader: Sendable, Hashable {
    public var id: String
    public var owner: String?
    public var createdAt: Date
    public var systemPrompt: String?
    /// The session's default model (`POST /sessions` `model`); nil uses the configured default.
    public var model: String?

    public init(id: String, owner: String?, createdAt: Date, systemPrompt: String?, model: String? = nil) {
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.systemPrompt = systemPrompt
        self.model = model
    }
}

public struct PersistedSession: Sendable, Hashable {
    public var header: SessionHeader
    public var lastUsedAt: Date
    public var history: [ChatMessage]
    public var usage: SessionUsage
    public var lastSeq: Int64

    public init(header: SessionHeader, lastUsedAt: Date, history: [ChatMessage], usage: SessionUsage, lastSeq: Int64) {
        self.header = header
        self.lastUsedAt = lastUsedAt
        self.history = history
        self.usage = usage
        self.lastSeq = lastSeq
    }
}

/// How the history changed since the last commit.
public enum HistoryChange: Sendable, Hashable {
    case unchanged
    /// Messages added at `from` (the count previously committed).
    case append(from: Int, messages: [ChatMessage])
    /// Rewritten (compaction, clear): the whole new history.
    case replace(with: [ChatMessage])

    /// The smallest change that turns `old` into `new`.
    public static func between(_ old: [ChatMessage], _ new: [ChatMessage]) -> HistoryChange {
        if old == new { return .unchanged }
        if new.count > old.count, Array(new.prefix(old.count)) == old {
            return .append(from: old.count, messages: Array(new.dropFirst(old.count)))
        }
        return .replace(with: new)
    }
}

public struct SessionCommit: Sendable, Hashable {
    public var sessionId: String
    public var history: HistoryChange
    public var events: [StampedEvent]
    public var usage: SessionUsage
    public var lastUsedAt: Date
    /// The query still running after this commit, or nil when it has ended.
    public var runningQueryId: String?

    public init(sessionId: String, history: HistoryChange, events: [StampedEvent], usage: SessionUsage,
                lastUsedAt: Date, runningQueryId: String?) {
        self.sessionId = sessionId
        self.history = history
        self.events = events
        self.usage = usage
        self.lastUsedAt = lastUsedAt
        self.runningQueryId = runningQueryId
    }
}

public struct SessionSummary: Sendable, Hashable {
    public var id: String
    public var owner: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    public var messageCount: Int

    public init(id: String, owner: String?, createdAt: Date, lastUsedAt: Date, messageCount: Int) {
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.messageCount = messageCount
    }
}

public struct SessionListPage: Sendable, Hashable {
    public var sessions: [SessionSummary]
    /// Pass back as `after` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(sessions: [SessionSummary], nextCursor: String?) {
        self.sessions = sessions
        self.nextCursor = nextCursor
    }
}
