/// Which stream carries which event (docs/API.md §1.2): the one table, used by the live relay
/// and by the replay of stored events, which know an event only by its `type`.
public enum EventStreamKind: String, Sendable, Hashable, CaseIterable {
    /// `/agent/query-stream`: whole `thinking` and `text`, no token deltas.
    case step
    /// `/agent/query-stream-delta`: token deltas instead of whole `thinking` and `text`.
    case delta
    /// `GET /sessions/{id}/events?stream=all` (the default): everything.
    case all

    /// Types only the step stream carries; `deltaOnly`, only the delta stream. Every other type
    /// goes to both.
    static let stepOnly: Set<String> = ["thinking", "text"]
    static let deltaOnly: Set<String> = ["text_delta", "thinking_start", "thinking_delta", "thinking_end"]

    public func includes(type: String) -> Bool {
        switch self {
        case .all: return true
        case .step: return !Self.deltaOnly.contains(type)
        case .delta: return !Self.stepOnly.contains(type)
        }
    }

    public func includes(_ event: AgentEvent) -> Bool {
        includes(type: event.type)
    }
}
