/// One event of a session's log, as replayed by `GET /sessions/{id}/events`: the exact
/// one-line JSON that was streamed (`StampedEvent.json`), plus its indexed columns.
public struct StoredEvent: Sendable, Hashable {
    public var seq: Int64
    public var queryId: String
    public var type: String
    public var json: String

    public init(seq: Int64, queryId: String, type: String, json: String) {
        self.seq = seq
        self.queryId = queryId
        self.type = type
        self.json = json
    }

    public init(_ event: StampedEvent) {
        self.init(seq: event.seq, queryId: event.queryId, type: event.event.type, json: event.json)
    }
}
