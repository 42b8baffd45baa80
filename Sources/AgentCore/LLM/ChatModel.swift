import Foundation

/// A chat model behind some provider's API.
///
/// Threading: implementations are `Sendable` and may be called from any task; the stream they
/// return is consumed by one task. Cancelling that task must stop the upstream transfer.
public protocol ChatModel: Sendable {
    /// The model's name as sent to the provider and used for usage and prices.
    var modelName: String { get }
    /// The context window in tokens, when known (drives compaction).
    var contextWindow: Int? { get }
    /// Streams one model call. Errors are `LLMError`. A stream that ends without a `.finish`
    /// delta is a broken stream and must throw rather than end quietly.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatDelta, Error>
}

extension ChatModel {
    /// The non-streaming path: the same stream, folded.
    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        var builder = ChatCompletionBuilder()
        for try await delta in stream(request) {
            builder.add(delta)
        }
        return builder.build()
    }
}
