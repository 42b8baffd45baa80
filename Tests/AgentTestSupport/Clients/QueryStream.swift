import AgentCore
import Foundation

/// A query stream with each event's JSON parsed, and the §4 invariants as one check.
public struct QueryStream: Sendable {
    public let raw: HTTPTestStream
    public let events: [JSONValue]

    public init(_ raw: HTTPTestStream) throws {
        self.raw = raw
        events = try raw.events.map { frame in
            guard let data = frame.data else { throw TestFailure("an event frame without data: \(frame.text.debugDescription)") }
            return try JSONValue.parse(Data(data.utf8))
        }
    }

    public var types: [String] { events.map { $0["type"]?.stringValue ?? "?" } }
    public var seqs: [Int] { events.compactMap { $0["seq"]?.intValue } }
    public var sessionId: String? { events.first?["session_id"]?.stringValue }
    public func first(_ type: String) -> JSONValue? { events.first { $0["type"]?.stringValue == type } }
    public func all(_ type: String) -> [JSONValue] { events.filter { $0["type"]?.stringValue == type } }

    /// API.md §4 (1, 2) and §1.1: the problems found, empty when the stream keeps the contract.
    public var contractViolations: [String] {
        var problems: [String] = []
        let types = self.types
        if raw.status != 200 { problems.append("status \(raw.status)") }
        if raw.frames.last?.text != ": done" { problems.append("last frame is not ': done': \(raw.frames.last?.text ?? "none")") }
        let terminals = types.indices.filter { ["final", "error"].contains(types[$0]) }
        if terminals.count != 1 { problems.append("\(terminals.count) final/error events: \(types)") }
        if let terminal = terminals.first, terminal != types.count - 2 || types.last != "usage" {
            problems.append("the terminal event must be followed by usage and nothing else: \(types)")
        }
        for (frame, event) in zip(raw.events, events) where frame.id != event["seq"]?.intValue {
            problems.append("id line \(String(describing: frame.id)) differs from seq \(String(describing: event["seq"]))")
        }
        if seqs != seqs.sorted() || Set(seqs).count != seqs.count { problems.append("seq not strictly increasing: \(seqs)") }
        for (index, event) in events.enumerated() where event["type"] == "tool_call" {
            let id = event["tool_call_id"]
            let later = events[(index + 1)...]
            guard let result = later.firstIndex(where: { $0["type"] == "tool_result" && $0["tool_call_id"] == id }) else {
                problems.append("tool_call \(String(describing: id)) has no tool_result")
                continue
            }
            if !events[(result + 1)...].contains(where: { $0["type"] == "step_complete" && $0["step_id"] == id }) {
                problems.append("tool_call \(String(describing: id)) has no step_complete after its result")
            }
        }
        for event in events {
            for key in ["type", "timestamp", "session_id", "query_id", "seq"] where event[key] == nil {
                problems.append("event without \(key): \(event)")
            }
            if let stamp = event["timestamp"]?.stringValue, Timestamp.parse(stamp) == nil || !stamp.hasSuffix("Z") {
                problems.append("timestamp not RFC 3339 UTC: \(stamp)")
            }
        }
        return problems
    }
}
