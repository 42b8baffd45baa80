import Foundation

/// Token counts of one model call, as the provider reported them.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// All prompt tokens, cached ones included.
    public var promptTokens: Int
    /// The part of `promptTokens` served from the provider's prompt cache.
    public var cachedPromptTokens: Int
    /// All completion tokens, reasoning included (never counted twice).
    public var completionTokens: Int
    /// The part of `completionTokens` spent on reasoning, when the provider says.
    public var reasoningTokens: Int

    public init(promptTokens: Int = 0, cachedPromptTokens: Int = 0, completionTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }
}

public enum FinishReason: String, Sendable, Hashable, Codable {
    case stop
    case toolCalls = "tool_calls"
    case length
    case contentFilter = "content_filter"
    case other
}

/// One piece of a streamed model answer.
public enum ChatDelta: Sendable, Hashable {
    case text(String)
    case reasoning(String)
    /// Anthropic: the signature closing the thinking streamed since the previous block; the
    /// thinking must be sent back with it, unchanged, when the turn continues after tool calls.
    case reasoningSignature(String)
    /// Anthropic: a thinking block returned encrypted (`redacted_thinking`), opaque, sent back as is.
    case redactedReasoning(String)
    /// The first fragment of a tool call: its position in the turn, id and name.
    case toolCallStart(index: Int, id: String, name: String)
    /// A piece of a tool call's JSON arguments, appended in order.
    case toolCallArguments(index: Int, fragment: String)
    case usage(TokenUsage)
    case finish(FinishReason)
}
