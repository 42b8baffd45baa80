import Foundation

/// A model behind an OpenAI-compatible `/chat/completions` endpoint (OpenAI, Azure, vLLM,
/// llama.cpp, Ollama, DeepSeek, OpenRouter), always streamed with usage included.
public struct OpenAIChatModel: ChatModel {
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
        ProviderStream.run(client: client, request: httpRequest(request), decoder: OpenAIStreamDecoder(host: httpHost))
    }

    private var endpoint: String {
        var url = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        url += "/chat/completions"
        if let version = configuration.apiVersion {
            url += (url.contains("?") ? "&" : "?") + "api-version=" + (version.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? version)
        }
        return url
    }

    private var httpHost: String { URLComponents(string: configuration.baseURL)?.host ?? configuration.baseURL }

    func httpRequest(_ request: ChatRequest) -> HTTPClientRequest {
        var headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "text/event-stream")]
        if let apiKey {
            if let name = configuration.apiKeyHeader {
                headers.append(HTTPHeader(name, apiKey))
            } else {
                headers.append(HTTPHeader("Authorization", "Bearer \(apiKey)"))
            }
        }
        headers += configuration.extraHeaders.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) }
        return HTTPClientRequest(url: endpoint, method: "POST", headers: headers,
                                 body: Array(Self.body(request, model: configuration.model,
                                                       usesCompletionTokenLimit: httpHost == "api.openai.com").serialized().utf8),
                                 timeouts: configuration.timeouts)
    }

    /// The request JSON for a chat call.
    static func body(_ request: ChatRequest, model: String, usesCompletionTokenLimit: Bool = false) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(request.messages.map(message)),
            "stream": true,
            "stream_options": ["include_usage": true],
        ]
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                ["type": "function",
                 "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
            })
            switch request.toolChoice {
            case .auto: body["tool_choice"] = "auto"
            case .none: body["tool_choice"] = "none"
            case .required: body["tool_choice"] = "required"
            case .tool(let name): body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
            }
        }
        let options = request.options
        if let temperature = options.temperature { body["temperature"] = .number(temperature) }
        if let topP = options.topP { body["top_p"] = .number(topP) }
        if let maxTokens = options.maxTokens {
            // OpenAI itself rejects `max_tokens` for reasoning models; compatible servers know only `max_tokens`.
            body[usesCompletionTokenLimit ? "max_completion_tokens" : "max_tokens"] = .number(Double(maxTokens))
        }
        if !options.stop.isEmpty { body["stop"] = .array(options.stop.map(JSONValue.string)) }
        if let format = request.responseFormat { body["response_format"] = format.json }
        return .object(body)
    }

    private static func message(_ message: ChatMessage) -> JSONValue {
        switch message.role {
        case .system, .user:
            if let parts = message.parts {
                return ["role": .string(message.role.rawValue), "content": .array(parts.map(\.json))]
            }
            return ["role": .string(message.role.rawValue), "content": .string(message.content)]
        case .assistant:
            var object: [String: JSONValue] = ["role": "assistant"]
            object["content"] = message.content.isEmpty && !message.toolCalls.isEmpty ? .null : .string(message.content)
            if !message.toolCalls.isEmpty {
                object["tool_calls"] = .array(message.toolCalls.map { call in
                    ["id": .string(call.id), "type": "function",
                     "function": ["name": .string(call.name), "arguments": .string(call.arguments.isEmpty ? "{}" : call.arguments)]]
                })
            }
            return .object(object)
        case .tool:
            return ["role": "tool", "tool_call_id": .string(message.toolCallId ?? ""),
                    "content": .string(message.isError ? "Error: \(message.content)" : message.content)]
        }
    }
}
