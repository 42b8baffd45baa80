import Foundation

/// Folds deltas into a `ChatCompletion`; tool calls are assembled by their index.
public struct ChatCompletionBuilder: Sendable {
    private var text = ""
    private var reasoning = ""
    private var reasoningBlocks: [ReasoningBlock] = []
    /// Where in `reasoning` the thinking not yet closed by a signature starts.
    private var unsignedReasoningStart: String.Index?
    private var calls: [Int: ToolCall] = [:]
    private var usage: TokenUsage?
    private var finishReason: FinishReason?

    public init() {}

    public mutating func add(_ delta: ChatDelta) {
        switch delta {
        case .text(let piece): text += piece
        case .reasoning(let piece):
            if unsignedReasoningStart == nil { unsignedReasoningStart = reasoning.endIndex }
            reasoning += piece
        case .reasoningSignature(let signature):
            let thinking = unsignedReasoningStart.map { String(reasoning[$0...]) } ?? ""
            reasoningBlocks.append(ReasoningBlock(thinking: thinking, signature: signature))
            unsignedReasoningStart = nil
        case .redactedReasoning(let data):
            reasoningBlocks.append(ReasoningBlock(redactedData: data))
        case .toolCallStart(let index, let id, let name):
            var call = calls[index] ?? ToolCall(id: id, name: name, arguments: "")
            if !id.isEmpty { call.id = id }
            if !name.isEmpty { call.name = name }
            calls[index] = call
        case .toolCallArguments(let index, let fragment):
            calls[index, default: ToolCall(id: "", name: "", arguments: "")].arguments += fragment
        case .usage(let value): usage = value
        case .finish(let reason): finishReason = reason
        }
    }

    public func build() -> ChatCompletion {
        let ordered = calls.keys.sorted().compactMap { calls[$0] }
        return ChatCompletion(text: text, reasoning: reasoning, reasoningBlocks: reasoningBlocks, toolCalls: ordered,
                              usage: usage, finishReason: finishReason)
    }
}
