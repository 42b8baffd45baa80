import Foundation

/// A whole model answer, folded from its deltas.
public struct ChatCompletion: Sendable, Hashable {
    public var text: String
    public var reasoning: String
    /// Signed and redacted thinking blocks (Anthropic), in the order they came.
    public var reasoningBlocks: [ReasoningBlock]
    public var toolCalls: [ToolCall]
    public var usage: TokenUsage?
    public var finishReason: FinishReason?

    public init(text: String = "", reasoning: String = "", reasoningBlocks: [ReasoningBlock] = [], toolCalls: [ToolCall] = [],
                usage: TokenUsage? = nil, finishReason: FinishReason? = nil) {
        self.text = text
        self.reasoning = reasoning
        self.reasoningBlocks = reasoningBlocks
        self.toolCalls = toolCalls
        self.usage = usage
        self.finishReason = finishReason
    }

    public var assistantMessage: ChatMessage {
        .assistant(text, toolCalls: toolCalls, reasoning: reasoning.isEmpty ? nil : reasoning, reasoningBlocks: reasoningBlocks)
    }
}
