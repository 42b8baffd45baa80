import Foundation

/// A message of a conversation, provider-neutral. The stored history of a session is a list of these.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: ChatRole
    public var content: String
    /// Assistant messages only: the calls the model asked for.
    public var toolCalls: [ToolCall]
    /// Tool messages only: which call this answers, and the tool's name.
    public var toolCallId: String?
    public var toolName: String?
    /// Tool messages only: the result is an error the model should see as such.
    public var isError: Bool
    /// Assistant messages only: the reasoning the provider returned, kept for providers that need it back.
    public var reasoning: String?
    /// Assistant messages only: the provider's signed or redacted thinking blocks, in order.
    /// Optional so that histories stored before it existed still decode.
    public var reasoningBlocks: [ReasoningBlock]?
    /// User messages with images: every part in order (`content` then holds the text parts
    /// joined, for everything that reads text only). Nil for plain text, which is also how
    /// histories stored before parts existed decode.
    public var parts: [ContentPart]?

    public init(role: ChatRole, content: String, toolCalls: [ToolCall] = [], toolCallId: String? = nil,
                toolName: String? = nil, isError: Bool = false, reasoning: String? = nil,
                reasoningBlocks: [ReasoningBlock]? = nil, parts: [ContentPart]? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.isError = isError
        self.reasoning = reasoning
        self.reasoningBlocks = reasoningBlocks?.isEmpty == true ? nil : reasoningBlocks
        self.parts = parts
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    /// A user message from content parts; without an image it is plain text.
    public static func user(parts: [ContentPart]) -> ChatMessage {
        let text = parts.compactMap(\.text).joined(separator: "\n")
        return ChatMessage(role: .user, content: text, parts: parts.contains(where: \.isImage) ? parts : nil)
    }
    public static func assistant(_ content: String, toolCalls: [ToolCall] = [], reasoning: String? = nil,
                                 reasoningBlocks: [ReasoningBlock]? = nil) -> ChatMessage {
        ChatMessage(role: .assistant, content: content, toolCalls: toolCalls, reasoning: reasoning, reasoningBlocks: reasoningBlocks)
    }
    public static func toolResult(callId: String, name: String, content: String, isError: Bool = false) -> ChatMessage {
        ChatMessage(role: .tool, content: content, toolCallId: callId, toolName: name, isError: isError)
    }
}
