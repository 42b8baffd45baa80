import Foundation

/// Keeps a history valid for the next model call whatever ended the query that wrote it.
///
/// The rules (docs/API.md §2):
/// - every tool call of an assistant message has a tool result right after it; missing ones
///   are filled with an error result carrying the reason (`"cancelled"`, `"interrupted"`, …);
/// - a query that ends without an answer (model error, budget, timeout, cancellation before any
///   text) gets an assistant message saying so. We keep the user's message — it is what the
///   client sent, and dropping it would lose it — and close the turn instead, so the history
///   always alternates into a user message next, which every provider accepts, and the model
///   sees on the next query why the previous one has no answer.
public enum HistoryRepair {
    /// Fills missing tool results after every assistant message with tool calls.
    public static func fillMissingToolResults(_ history: [ChatMessage], reason: String) -> [ChatMessage] {
        var repaired: [ChatMessage] = []
        repaired.reserveCapacity(history.count)
        var index = 0
        while index < history.count {
            let message = history[index]
            repaired.append(message)
            index += 1
            guard message.role == .assistant, !message.toolCalls.isEmpty else { continue }
            var answered = Set<String>()
            while index < history.count, history[index].role == .tool {
                if let id = history[index].toolCallId { answered.insert(id) }
                repaired.append(history[index])
                index += 1
            }
            for call in message.toolCalls where !answered.contains(call.id) {
                repaired.append(.toolResult(callId: call.id, name: call.name, content: reason, isError: true))
            }
        }
        return repaired
    }

    /// Appends an assistant message with `note` unless the history already ends with an answer.
    public static func closingTurn(_ history: [ChatMessage], note: String) -> [ChatMessage] {
        if let last = history.last, last.role == .assistant, last.toolCalls.isEmpty { return history }
        return history + [.assistant(note)]
    }

    /// Both rules: what a history looks like after a query that ended for `reason`.
    public static func repaired(_ history: [ChatMessage], reason: String, note: String) -> [ChatMessage] {
        closingTurn(fillMissingToolResults(history, reason: reason), note: note)
    }

    /// True when every tool call has its result right after it and no turn is left open.
    public static func isValid(_ history: [ChatMessage]) -> Bool {
        fillMissingToolResults(history, reason: "") == history
            && history.last.map { $0.role == .system || ($0.role == .assistant && $0.toolCalls.isEmpty) } ?? true
    }
}
