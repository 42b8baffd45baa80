/// One page of `SessionStore.listSessions`, oldest first (by creation time, then id).
public struct SessionListPage: Sendable, Hashable {
    public var sessions: [SessionSummary]
    /// Pass back as `after` for the next page; nil on the last page. Opaque to clients.
    public var nextCursor: String?

    public init(sessions: [SessionSummary], nextCursor: String?) {
        self.sessions = sessions
        self.nextCursor = nextCursor
    }
}
