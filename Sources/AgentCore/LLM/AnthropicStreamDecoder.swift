import Foundation

/// Decodes Messages API stream events. Complete only at `message_stop`; usage is summed from
/// `message_start` (input side) and `message_delta` (output, cumulative).
struct AnthropicStreamDecoder: ChatStreamDecoder {
    let host: String
    private(set) var isDone = false
    private var usage = TokenUsage()
    private var sawUsage = false
    private var stopReason: FinishReason?
    /// Content block index → tool call index, for `tool_use` blocks.
    private var toolBlocks: [Int: Int] = [:]
    private var toolHasArguments: Set<Int> = []
    /// The `response_format` answer tool, whose input is answer text rather than a tool call.
    let answerTool: AnthropicChatModel.AnswerTool?
    /// Content block indexes of answer tool calls, and the input of a wrapped one so far.
    private var answerBlocks: Set<Int> = []
    private var answerInput: [Int: String] = [:]

    init(host: String, answerTool: AnthropicChatModel.AnswerTool? = nil) {
        self.host = host
        self.answerTool = answerTool
    }

    mutating func decode(_ event: SSEEvent) throws -> [ChatDelta] {
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(event.data)
        } catch {
            throw LLMError.badResponse(message: "\(host): stream event is not JSON (\(error)): \(event.data.prefix(200))")
        }
        switch event.event ?? payload["type"]?.stringValue ?? "" {
        case "message_start":
            addUsage(payload["message"]?["usage"])
            return []
        case "content_block_start":
            guard let block = payload["content_block"] else { return [] }
            // Text and thinking blocks normally start empty, but a start may carry a first piece.
            if let text = block["text"]?.stringValue, !text.isEmpty { return [.text(text)] }
            if let thinking = block["thinking"]?.stringValue, !thinking.isEmpty { return [.reasoning(thinking)] }
            if block["type"]?.stringValue == "redacted_thinking" {
                return [.redactedReasoning(block["data"]?.stringValue ?? "")]
            }
            guard block["type"]?.stringValue == "tool_use", let index = payload["index"]?.intValue else { return [] }
            if let answerTool, block["name"]?.stringValue == answerTool.name {
                answerBlocks.insert(index)
                answerInput[index] = ""
                return []
            }
            let toolIndex = toolBlocks.count
            toolBlocks[index] = toolIndex
            return [.toolCallStart(index: toolIndex, id: block["id"]?.stringValue ?? "toolu_\(toolIndex)",
                                   name: block["name"]?.stringValue ?? "")]
        case "content_block_delta":
            return decodeBlockDelta(payload)
        case "content_block_stop":
            if let index = payload["index"]?.intValue, answerBlocks.contains(index) {
                return finishAnswer(index)
            }
            // A tool called without arguments streams no input_json_delta; its input is {}.
            guard let index = payload["index"]?.intValue, let toolIndex = toolBlocks[index],
                  !toolHasArguments.contains(toolIndex) else { return [] }
            toolHasArguments.insert(toolIndex)
            return [.toolCallArguments(index: toolIndex, fragment: "{}")]
        case "message_delta":
            if let reason = payload["delta"]?["stop_reason"]?.stringValue { stopReason = Self.finishReason(reason) }
            addUsage(payload["usage"])
            return []
        case "message_stop":
            isDone = true
            return []
        case "error":
            throw ProviderErrorMapper.streamError(payload["error"] ?? payload, host: host)
        default:
            return []
        }
    }

    private mutating func decodeBlockDelta(_ payload: JSONValue) -> [ChatDelta] {
        guard let delta = payload["delta"] else { return [] }
        switch delta["type"]?.stringValue {
        case "text_delta":
            guard let text = delta["text"]?.stringValue, !text.isEmpty else { return [] }
            return [.text(text)]
        case "thinking_delta":
            guard let thinking = delta["thinking"]?.stringValue, !thinking.isEmpty else { return [] }
            return [.reasoning(thinking)]
        case "signature_delta":
            guard let signature = delta["signature"]?.stringValue, !signature.isEmpty else { return [] }
            return [.reasoningSignature(signature)]
        case "input_json_delta":
            if let index = payload["index"]?.intValue, answerBlocks.contains(index) {
                let fragment = delta["partial_json"]?.stringValue ?? ""
                answerInput[index, default: ""] += fragment
                // An object answer streams as it comes; a wrapped one is unwrapped at its end.
                return answerTool?.wrapsValue == true || fragment.isEmpty ? [] : [.text(fragment)]
            }
            guard let index = payload["index"]?.intValue, let toolIndex = toolBlocks[index],
                  let fragment = delta["partial_json"]?.stringValue, !fragment.isEmpty else { return [] }
            toolHasArguments.insert(toolIndex)
            return [.toolCallArguments(index: toolIndex, fragment: fragment)]
        default:
            return []
        }
    }

    /// The end of an answer block: a wrapped answer's value, or `{}` for an answer sent without input.
    private mutating func finishAnswer(_ index: Int) -> [ChatDelta] {
        let input = answerInput[index] ?? ""
        if answerTool?.wrapsValue == true {
            let value = (try? JSONValue.parse(input.isEmpty ? "{}" : input))?["value"]
            // Unparseable input goes out as it came, so the agent's check can say what is wrong.
            return [.text(value.map { $0.serialized() } ?? input)]
        }
        return input.isEmpty ? [.text("{}")] : []
    }

    /// Input counts are set by whichever event carries them; output tokens are cumulative.
    private mutating func addUsage(_ value: JSONValue?) {
        guard let value, value.objectValue != nil else { return }
        sawUsage = true
        let input = value["input_tokens"]?.intValue
        let cacheRead = value["cache_read_input_tokens"]?.intValue
        let cacheCreation = value["cache_creation_input_tokens"]?.intValue
        if input != nil || cacheRead != nil || cacheCreation != nil {
            usage.promptTokens = (input ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0)
            usage.cachedPromptTokens = cacheRead ?? 0
        }
        if let output = value["output_tokens"]?.intValue { usage.completionTokens = output }
    }

    mutating func finish() throws -> [ChatDelta] {
        guard isDone else {
            throw LLMError.connection(message: "\(host): the stream ended before message_stop")
        }
        var reason = stopReason ?? (toolBlocks.isEmpty ? .stop : .toolCalls)
        // Calling only the answer tool is answering.
        if reason == .toolCalls, toolBlocks.isEmpty, !answerBlocks.isEmpty { reason = .stop }
        return (sawUsage ? [.usage(usage)] : []) + [.finish(reason)]
    }

    static func finishReason(_ value: String) -> FinishReason {
        switch value {
        case "end_turn", "stop_sequence": return .stop
        case "tool_use": return .toolCalls
        case "max_tokens": return .length
        case "refusal": return .contentFilter
        default: return .other
        }
    }
}
