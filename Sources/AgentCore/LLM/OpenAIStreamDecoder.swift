import Foundation

/// Decodes `chat.completion.chunk` events. The answer is complete once `[DONE]` or a
/// `finish_reason` arrived; `.finish` goes out last, after the usage chunk that follows it.
struct OpenAIStreamDecoder: ChatStreamDecoder {
    let host: String
    private(set) var isDone = false
    private var finishReason: FinishReason?
    private var startedCalls: Set<Int> = []
    private var sawToolCalls = false
    private var think = ThinkTagSplitter()

    init(host: String) {
        self.host = host
    }

    mutating func decode(_ event: SSEEvent) throws -> [ChatDelta] {
        // Only `[DONE]` needs trimming (JSON parsing skips whitespace itself). Looking at the ends
        // only, not Foundation's trimming: this runs for every chunk of every stream.
        let data = Self.trimmedOfSpaces(event.data)
        if data == "[DONE]" {
            isDone = true
            return []
        }
        if data.isEmpty { return [] }
        let chunk: JSONValue
        do {
            chunk = try JSONValue.parse(Array(data.utf8))
        } catch {
            throw LLMError.badResponse(message: "\(host): stream chunk is not JSON (\(error)): \(data.prefix(200))")
        }
        if let error = chunk["error"], !error.isNull {
            throw ProviderErrorMapper.streamError(error, host: host)
        }
        var deltas: [ChatDelta] = []
        for choice in chunk["choices"]?.arrayValue ?? [] where (choice["index"]?.intValue ?? 0) == 0 {
            if let delta = choice["delta"] ?? choice["message"] { deltas += decodeDelta(delta) }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = Self.finishReason(reason) }
        }
        if let usage = chunk["usage"], usage.objectValue != nil {
            deltas.append(.usage(TokenUsage(
                promptTokens: usage["prompt_tokens"]?.intValue ?? 0,
                cachedPromptTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0,
                completionTokens: usage["completion_tokens"]?.intValue ?? 0,
                reasoningTokens: usage["completion_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0)))
        }
        return deltas
    }

    private mutating func decodeDelta(_ delta: JSONValue) -> [ChatDelta] {
        var deltas: [ChatDelta] = []
        // DeepSeek and llama.cpp say `reasoning_content`, vLLM and OpenRouter `reasoning`; never both twice.
        if let reasoning = delta["reasoning_content"]?.stringValue ?? delta["reasoning"]?.stringValue, !reasoning.isEmpty {
            deltas.append(.reasoning(reasoning))
        }
        if let content = delta["content"]?.stringValue, !content.isEmpty { deltas += think.feed(content) }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            sawToolCalls = true
            let index = call["index"]?.intValue ?? startedCalls.count
            if !startedCalls.contains(index) {
                startedCalls.insert(index)
                // Some servers (Ollama) send no id; the agent still needs one to pair the result.
                let id = call["id"]?.stringValue ?? "call_\(index)_\(UInt32.random(in: .min ... .max))"
                deltas.append(.toolCallStart(index: index, id: id, name: call["function"]?["name"]?.stringValue ?? ""))
            }
            if let fragment = call["function"]?["arguments"]?.stringValue, !fragment.isEmpty {
                deltas.append(.toolCallArguments(index: index, fragment: fragment))
            }
        }
        return deltas
    }

    mutating func finish() throws -> [ChatDelta] {
        guard isDone || finishReason != nil else {
            throw LLMError.connection(message: "\(host): the stream ended before the answer was complete")
        }
        var reason = finishReason ?? (sawToolCalls ? .toolCalls : .stop)
        if reason == .stop && sawToolCalls { reason = .toolCalls }
        return think.finish() + [.finish(reason)]
    }

    static func finishReason(_ value: String) -> FinishReason {
        switch value {
        case "stop", "eos", "end_turn": return .stop
        case "tool_calls", "function_call": return .toolCalls
        case "length": return .length
        case "content_filter": return .contentFilter
        default: return .other
        }
    }

    static func trimmedOfSpaces(_ text: String) -> Substring {
        let isSpace = { (character: Character) in character == " " || character == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return text[first...last]
    }
}
