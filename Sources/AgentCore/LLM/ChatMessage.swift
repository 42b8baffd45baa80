import Foundation

public enum ChatRole: String, Sendable, Hashable, Codable {
    case system, user, assistant, tool
}

/// One tool call requested by the model. `arguments` is the raw JSON text the model produced,
/// kept verbatim so it can be sent back to the provider unchanged.
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

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

    public init(role: ChatRole, content: String, toolCalls: [ToolCall] = [], toolCallId: String? = nil,
                toolName: String? = nil, isError: Bool = false, reasoning: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.isError = isError
        self.reasoning = reasoning
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String, toolCalls: [ToolCall] = [], reasoning: String? = nil) -> ChatMessage {
        ChatMessage(role: .assistant, content: content, toolCalls: toolCalls, reasoning: reasoning)
    }
    public static func toolResult(callId: String, name: String, content: String, isError: Bool = false) -> ChatMessage {
        ChatMessage(role: .tool, content: content, toolCallId: callId, toolName: name, isError: isError)
    }
}
