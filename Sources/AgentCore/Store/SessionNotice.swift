import Foundation

/// A wake-up one responder sends the others on a shared store (PostgreSQL NOTIFY): "session S
/// has new events up to seq N", "cancel / clear / delete the query running on S". It never
/// carries events or history: the receiver reads those from the store. Small by construction
/// (ids are bounded), far below PostgreSQL's 8,000-byte payload limit.
public struct SessionNotice: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A commit appended events (`seq` is the session's last seq after it).
        case events
        /// Cancel the query `queryId` (`POST /sessions/{id}/cancel` on another responder).
        case cancel
        /// Stop what runs on the session and drop it from memory: it is being cleared elsewhere.
        case clear
        /// The same, for a session being deleted elsewhere.
        case delete
    }

    public var kind: Kind
    public var sessionId: String
    public var queryId: String?
    public var seq: Int64?
    /// The responder that sent it (`SessionBus.instance`).
    public var instance: String

    public init(kind: Kind, sessionId: String, queryId: String? = nil, seq: Int64? = nil, instance: String) {
        self.kind = kind
        self.sessionId = sessionId
        self.queryId = queryId
        self.seq = seq
        self.instance = instance
    }

    /// `{"kind","session_id","query_id"?,"seq"?,"instance"}`.
    public var payload: String {
        var output = "{\"kind\":\"\(kind.rawValue)\",\"session_id\":"
        JSONValue.writeString(sessionId, to: &output)
        if let queryId {
            output += ",\"query_id\":"
            JSONValue.writeString(queryId, to: &output)
        }
        if let seq { output += ",\"seq\":\(seq)" }
        output += ",\"instance\":"
        JSONValue.writeString(instance, to: &output)
        return output + "}"
    }

    /// Nil for a payload this build does not understand (another version's kind, say): the
    /// receiver ignores it rather than guessing.
    public init?(payload: String) {
        guard let object = try? JSONValue.parse(payload), let kindName = object["kind"]?.stringValue,
              let kind = Kind(rawValue: kindName), let sessionId = object["session_id"]?.stringValue,
              let instance = object["instance"]?.stringValue else { return nil }
        self.init(kind: kind, sessionId: sessionId, queryId: object["query_id"]?.stringValue,
                  seq: object["seq"]?.intValue.map { Int64($0) }, instance: instance)
    }}
