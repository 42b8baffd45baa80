import Foundation

/// Everything a turn changed since the last commit (at a step's end, or the turn's end), written
/// in ONE transaction by `SessionStore.commitTurn`: once that returns, it is on disk.
public struct TurnCommit: Sendable, Hashable {
    /// What happens to the session's running-query marker in the same transaction.
    public enum QueryMark: Sendable, Hashable {
        case unchanged
        /// A query is running: after a crash, recovery closes it with `final{interrupted}`.
        case running(queryId: String)
        /// The query ended (its `final`/`error` is in this commit or an earlier one).
        case finished
    }

    public var history: HistoryChange
    /// Seqs strictly increasing and above the stored `lastSeq`.
    public var events: [StampedEvent]
    /// nil leaves the stored usage as it is.
    public var usage: SessionUsage?
    /// The usage set aside by clears (see `SessionSummary`); nil leaves it as it is.
    public var clearedUsage: SessionUsage?
    /// nil leaves the stored time as it is.
    public var lastUsedAt: Date?
    public var query: QueryMark
    /// The calls the session's paused turn waits on (`[]`: none); nil leaves them as they are.
    public var pendingApprovals: [PendingApproval]?
    /// The query whose lease this commit is written under (nil: none, e.g. a clear). The store
    /// refuses it (`StoreError.leaseLost`) unless that query still holds the session's lease here.
    public var queryId: String?
    /// The session version the writer's copy is based on (nil: not checked). A store holding
    /// another version refuses the commit (`leaseLost`): someone else changed the session since.
    public var baseVersion: Int64?

    public init(history: HistoryChange = .unchanged, events: [StampedEvent] = [], usage: SessionUsage?,
                clearedUsage: SessionUsage? = nil, lastUsedAt: Date?, query: QueryMark = .unchanged,
                pendingApprovals: [PendingApproval]? = nil, queryId: String? = nil, baseVersion: Int64? = nil) {
        self.pendingApprovals = pendingApprovals
        self.history = history
        self.events = events
        self.usage = usage
        self.clearedUsage = clearedUsage
        self.lastUsedAt = lastUsedAt
        self.query = query
        self.queryId = queryId ?? {
            if case .running(let id) = query { return id }
            return nil
        }()
        self.baseVersion = baseVersion
    }
}

extension TurnCommit {
    /// The earliest deadline among the calls still waiting (seconds since 1970), stored beside
    /// the pending approvals so the cleanup loop finds due sessions by index
    /// (`SessionStore.sessionsWithApprovalsDue`); nil when none waits with a deadline.
    var approvalDeadline: Double? {
        pendingApprovals?.compactMap { $0.decision == nil ? $0.expiresAt?.timeIntervalSince1970 : nil }.min()
    }
}
