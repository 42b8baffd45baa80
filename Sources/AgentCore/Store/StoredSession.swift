/// A session as rehydrated from the store: its record and its whole history, in order.
public struct StoredSession: Sendable, Hashable {
    public var record: SessionRecord
    public var messages: [ChatMessage]

    public init(record: SessionRecord, messages: [ChatMessage]) {
        self.record = record
        self.messages = messages
    }
}
