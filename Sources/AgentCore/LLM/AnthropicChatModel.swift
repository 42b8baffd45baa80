import Foundation

/// A model behind Anthropic's Messages API (`/v1/messages`), always streamed.
public struct AnthropicChatModel: ChatModel {
    public static let defaultVersion = "2023-06-01"
    /// Anthropic requires `max_tokens`; used when the request leaves it open.
    public static let defaultMaxTokens = 4096

    public let configuration: ModelSettings
    private let apiKey: String?
    private let client: HTTPClient

    public init(configuration: ModelSettings, client: HTTPClient = .shared) throws {
        self.configuration = configuration
        self.apiKey = try configuration.resolveAPIKey()
        self.client = client
    }

    public var modelName: String { configuration.model }
    public var contextWindow: Int? { configuration.contextWindow }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatDelta, Error> {
        let host = URLComponents(string: configuration.baseURL)?.host ?? configuration.baseURL
        let answer = request.responseFormat.map { Self.answerTool(for: $0, avoiding: request.tools.map(\.name)) }
        return ProviderStream.run(client: client, request: httpRequest(request),
                                  decoder: AnthropicStreamDecoder(host: host, answerTool: answer))
    }

    func httpRequest(_ request: ChatRequest) -> HTTPClientRequest {
        let base = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        var headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "text/event-stream"),
                       HTTPHeader("anthropic-version", configuration.apiVersion ?? Self.defaultVersion)]
        if let apiKey { headers.append(HTTPHeader("x-api-key", apiKey)) }
        headers += configuration.extraHeaders.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) }
        return HTTPClientRequest(url: base + "/v1/messages", method: "POST", headers: headers,
                                 body: Array(Self.body(request, model: configuration.model).serialized().utf8),
                                 timeouts: configuration.timeouts)
    }

    static func body(_ request: ChatRequest, model: String) -> JSONValue {
        let options = request.options
        var maxTokens = options.maxTokens ?? defaultMaxTokens
        var body: [String: JSONValue] = ["model": .string(model), "stream": true]
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        if !system.isEmpty { body["system"] = .string(system) }
        body["messages"] = .array(messages(request.messages))
        let answer = request.responseFormat.map { answerTool(for: $0, avoiding: request.tools.map(\.name)) }
        var tools: [JSONValue] = request.tools.map { tool in
            ["name": .string(tool.name), "description": .string(tool.description), "input_schema": tool.parameters]
        }
        if let answer { tools.append(answer.definition) }
        if !tools.isEmpty {
            body["tools"] = .array(tools)
            body["tool_choice"] = toolChoice(request.toolChoice, answer: answer, hasOtherTools: !request.tools.isEmpty)
        }
        // Thinking allows only `auto` tool choice, which cannot force the answer tool.
        if let budget = options.thinkingBudgetTokens, answer == nil, canThink(request.messages) {
            // The budget counts against max_tokens, and thinking rejects a changed temperature.
            maxTokens = max(maxTokens, budget + 1024)
            body["thinking"] = ["type": "enabled", "budget_tokens": .number(Double(budget))]
        } else {
            if let temperature = options.temperature { body["temperature"] = .number(temperature) }
            if let topP = options.topP { body["top_p"] = .number(topP) }
        }
        body["max_tokens"] = .number(Double(maxTokens))
        if !options.stop.isEmpty { body["stop_sequences"] = .array(options.stop.map(JSONValue.string)) }
        return .object(body)
    }

    /// Thinking stays on for a request that answers the model's own tool calls only when that
    /// assistant turn kept its signed thinking: Anthropic wants the turn to start with it, echoed
    /// unchanged. A turn without it (stored before blocks were kept, or made by another model) is
    /// continued without thinking, which resumes on the next user turn.
    static func canThink(_ history: [ChatMessage]) -> Bool {
        guard let lastAssistant = history.lastIndex(where: { $0.role == .assistant }) else { return true }
        let continuesToolUse = !history[lastAssistant].toolCalls.isEmpty
            && history[(lastAssistant + 1)...].allSatisfy { $0.role == .tool }
        return !continuesToolUse || history[lastAssistant].reasoningBlocks?.isEmpty == false
    }

    /// Provider-neutral history as Anthropic turns: tool results become `tool_result` blocks of a
    /// user turn, and consecutive turns of one role are merged (the API wants them alternating).
    static func messages(_ history: [ChatMessage]) -> [JSONValue] {
        var turns: [(role: String, blocks: [JSONValue])] = []
        for message in history where message.role != .system {
            let role = message.role == .assistant ? "assistant" : "user"
            var blocks: [JSONValue] = []
            switch message.role {
            case .system: continue
            case .user:
                if let parts = message.parts {
                    blocks += Self.blocks(parts)
                } else {
                    blocks.append(["type": "text", "text": .string(message.content)])
                }
            case .assistant:
                blocks += (message.reasoningBlocks ?? []).map(reasoningBlock)
                if !message.content.isEmpty { blocks.append(["type": "text", "text": .string(message.content)]) }
                for call in message.toolCalls {
                    let input = (try? JSONValue.parse(call.arguments)).flatMap { $0.objectValue != nil ? $0 : nil } ?? [:]
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
                }
                if blocks.allSatisfy({ $0["type"] != "text" && $0["type"] != "tool_use" }) {
                    blocks.append(["type": "text", "text": "(no answer)"])
                }
            case .tool:
                var block: [String: JSONValue] = ["type": "tool_result", "tool_use_id": .string(message.toolCallId ?? ""),
                                                  "content": .string(message.content)]
                if message.isError { block["is_error"] = true }
                blocks.append(.object(block))
            }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        return turns.map { ["role": .string($0.role), "content": .array($0.blocks)] }
    }

    /// A kept thinking block, echoed exactly as it came.
    static func reasoningBlock(_ block: ReasoningBlock) -> JSONValue {
        if let data = block.redactedData { return ["type": "redacted_thinking", "data": .string(data)] }
        return ["type": "thinking", "thinking": .string(block.thinking ?? ""), "signature": .string(block.signature ?? "")]
    }
}
