import Foundation

/// A tool as the model sees it: name, description and a JSON Schema for its arguments.
public struct ToolDefinition: Sendable, Hashable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

public enum ToolChoice: Sendable, Hashable {
    case auto
    case none
    case required
    case tool(String)
}

public struct ChatOptions: Sendable, Hashable {
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var stop: [String]
    /// Anthropic extended thinking budget; nil leaves thinking off.
    public var thinkingBudgetTokens: Int?

    public init(temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil, stop: [String] = [],
                thinkingBudgetTokens: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.thinkingBudgetTokens = thinkingBudgetTokens
    }
}

public struct ChatRequest: Sendable, Hashable {
    public var messages: [ChatMessage]
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice
    public var options: ChatOptions
    /// The form the answer must take; nil leaves it free.
    public var responseFormat: ResponseFormat?

    public init(messages: [ChatMessage], tools: [ToolDefinition] = [], toolChoice: ToolChoice = .auto,
                options: ChatOptions = ChatOptions(), responseFormat: ResponseFormat? = nil) {
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.options = options
        self.responseFormat = responseFormat
    }
}
