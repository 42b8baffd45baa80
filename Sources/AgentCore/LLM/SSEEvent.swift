/// One server-sent event.
public struct SSEEvent: Sendable, Hashable {
    /// The `event:` field, nil when absent (the spec's default type "message").
    public var event: String?
    /// The `data:` lines joined with "\n".
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}
