import Foundation

/// Splits a history into what compaction keeps and what it summarises, and writes the summary
/// request. The model call itself is the agent's (so it is counted, budgeted and retried like
/// any other).
///
/// Kept verbatim: the leading system messages (the session's system prompt) and the last
/// `keepRecentTurns` turns. A turn is a user message, or an assistant message together with
/// its tool results, so a tool call is never separated from its result. Earlier summaries are
/// summarised again with the rest, so they do not pile up.
///
/// The summary goes in as a user message (marked by `summaryPrefix`), right after the system
/// messages: the one placement every provider accepts (Anthropic wants the first non-system
/// message to be the user's and merges consecutive user turns; OpenAI takes anything).
enum ContextCompactor {
    static let summaryPrefix = "Summary of the earlier conversation (older messages were compacted to save context):\n"

    struct Split: Equatable {
        var head: [ChatMessage]
        var old: [ChatMessage]
        var recent: [ChatMessage]
    }

    static func split(_ history: [ChatMessage], keepRecentTurns: Int) -> Split? {
        var headCount = 0
        while headCount < history.count, history[headCount].role == .system { headCount += 1 }
        var turnStarts: [Int] = []
        for index in headCount..<history.count where history[index].role != .tool {
            turnStarts.append(index)
        }
        let keep = max(keepRecentTurns, 1)
        guard turnStarts.count > keep else { return nil }
        let boundary = turnStarts[turnStarts.count - keep]
        return Split(head: Array(history[..<headCount]), old: Array(history[headCount..<boundary]),
                     recent: Array(history[boundary...]))
    }

    static func request(summarising old: [ChatMessage]) -> ChatRequest {
        let instructions = """
            You compress the history of a conversation between a user and an AI agent that uses tools, so the \
            agent can continue without the full transcript. Write a concise summary that keeps everything still \
            needed: the user's goals and requests (quote the most recent request word for word), decisions made, \
            facts and tool results that matter (numbers, names, paths, identifiers), and what remains to be done. \
            Write it as notes for the agent; do not address the user and do not call tools.
            """
        return ChatRequest(messages: [.system(instructions), .user(transcript(of: old))], tools: [], toolChoice: .auto)
    }

    static func compacted(_ split: Split, summary: String) -> [ChatMessage] {
        split.head + [.user(summaryPrefix + summary)] + split.recent
    }

    /// The old messages as plain text: no tool-call structure the provider would have to pair up.
    static func transcript(of messages: [ChatMessage]) -> String {
        var lines: [String] = []
        for message in messages {
            switch message.role {
            case .system:
                lines.append("[system] \(message.content)")
            case .user where message.content.hasPrefix(summaryPrefix):
                lines.append("[summary of what came before] \(message.content.dropFirst(summaryPrefix.count))")
            case .user:
                let images = message.parts?.filter(\.isImage).count ?? 0
                lines.append("[user] \(message.content)" + (images > 0 ? " [\(images) image(s), not repeated here]" : ""))
            case .assistant:
                if !message.content.isEmpty { lines.append("[assistant] \(message.content)") }
                for call in message.toolCalls {
                    lines.append("[assistant calls tool \(call.name)] \(clip(call.arguments, 2000))")
                }
            case .tool:
                let kind = message.isError ? "error from" : "result of"
                lines.append("[\(kind) tool \(message.toolName ?? "?")] \(clip(message.content, 4000))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + " …[cut]"
    }
}
