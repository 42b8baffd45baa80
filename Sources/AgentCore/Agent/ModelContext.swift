import Foundation

/// The messages sent to the model for a history: the history itself, except that outputs of
/// tools marked `ephemeral: N` older than their last N are replaced by a short placeholder.
/// The stored history keeps them; only the request is thinned.
enum ModelContext {
    static func messages(for history: [ChatMessage], tools: [any Tool]) -> [ChatMessage] {
        var limits: [String: Int] = [:]
        for tool in tools {
            if let keep = tool.ephemeral { limits[tool.definition.name] = max(keep, 0) }
        }
        guard !limits.isEmpty else { return history }
        var seen: [String: Int] = [:]
        var messages = history
        for index in messages.indices.reversed() where messages[index].role == .tool {
            guard let name = messages[index].toolName, let keep = limits[name] else { continue }
            seen[name, default: 0] += 1
            if seen[name]! > keep {
                messages[index].content = "[older output of \(name) removed from the context; only its last \(keep) are kept]"
            }
        }
        return messages
    }
}
