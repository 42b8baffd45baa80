import Foundation

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
