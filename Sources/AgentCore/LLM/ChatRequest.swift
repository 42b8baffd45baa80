import Foundation

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
