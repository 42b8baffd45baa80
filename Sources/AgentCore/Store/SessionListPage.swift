/// One page of `SessionStore.listSessions`, oldest first (by creation time, then id).
public struct SessionListPage: Sendable, Hashable {
    public var sessions: [SessionSummary]
    /// Pass back as `after` for the next page; nil on the last page. Opaque to clients.
    public var nextCursor: String?

    public init(sessions: [SessionSummary], nextCursor: String?) {
        self.sessions = sessions
        self.nextCursor = nextCursor
    }

    /// A page of up to `limit` summaries read with one extra row to learn `hasMore`; the next
    /// cursor points after the last summary shown.
    public init(sessions: [SessionSummary], hasMore: Bool) {
        self.init(sessions: sessions, nextCursor: hasMore ? sessions.last.map { SessionCursor(after: $0).token } : nil)
    }
}
