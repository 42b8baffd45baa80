import Foundation

/// An event as sent and stored: stamped by its session.
///
/// Its JSON is built once, here, and shared: the relay sends it as an SSE frame's `data:` and
/// the store writes it as the event's row, so a replay is byte-identical to the live stream.
public struct StampedEvent: Sendable, Hashable {
    public let event: AgentEvent
    public let timestamp: Date
    public let sessionId: String
    public let queryId: String
    public let seq: Int64
    /// One-line JSON for an SSE `data:` line and for the event log.
    public let json: String

    public init(event: AgentEvent, timestamp: Date, sessionId: String, queryId: String, seq: Int64) {
        self.event = event
        self.timestamp = timestamp
        self.sessionId = sessionId
        self.queryId = queryId
        self.seq = seq
        json = Self.serialize(event, timestamp: timestamp, sessionId: sessionId, queryId: queryId, seq: seq)
    }

    private static func serialize(_ event: AgentEvent, timestamp: Date, sessionId: String, queryId: String,
                                  seq: Int64) -> String {
        var fields: [(String, JSONValue)] = [
            ("type", .string(event.type)),
            ("timestamp", .string(Timestamp.rfc3339Millis(timestamp))),
            ("session_id", .string(sessionId)),
            ("query_id", .string(queryId)),
            ("seq", .number(Double(seq))),
        ]
        fields.append(contentsOf: event.fields)
        return JSONValue.serializeObject(fields)
    }
}
