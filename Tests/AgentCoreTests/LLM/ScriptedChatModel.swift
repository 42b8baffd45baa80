import Foundation
import Synchronization
@testable import AgentCore

/// A `ChatModel` test double that plays back one scripted reply per call and records every
/// request it was sent. Replies stream through a real task, so cancellation behaves as with a
/// network model: cancelling the consumer ends the producer.
final class ScriptedChatModel: ChatModel {
    enum Chunk: Sendable {
        case delta(ChatDelta)
        case fail(LLMError)
        /// Blocks until the consuming task is cancelled.
        case hang
    }

    let modelName: String
    let contextWindow: Int?
    private let state: Mutex<(replies: [[Chunk]], requests: [ChatRequest])>

    init(modelName: String = "scripted-model", contextWindow: Int? = nil, replies: [[Chunk]]) {
        self.modelName = modelName
        self.contextWindow = contextWindow
        self.state = Mutex((replies, []))
    }

    var requests: [ChatRequest] { state.withLock { $0.requests } }
    var remainingReplies: Int { state.withLock { $0.replies.count } }

    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatDelta, Error> {
        let chunks: [Chunk]? = state.withLock { state in
            state.requests.append(request)
            return state.replies.isEmpty ? nil : state.replies.removeFirst()
        }
        return AsyncThrowingStream { continuation in
            let producer = Task {
                guard let chunks else {
                    continuation.finish(throwing: LLMError.badResponse(message: "the script has no reply for call \(self.requests.count)"))
                    return
                }
                for chunk in chunks {
                    switch chunk {
                    case .delta(let delta):
                        continuation.yield(delta)
                        await Task.yield()
                    case .fail(let error):
                        continuation.finish(throwing: error)
                        return
                    case .hang:
                        try? await Task.sleep(for: .seconds(3600))
                        continuation.finish(throwing: LLMError.cancelled)
                        return
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
    }
}

/// Reply builders.
enum Reply {
    static func usage(_ prompt: Int, _ completion: Int, cached: Int = 0) -> ScriptedChatModel.Chunk {
        .delta(.usage(TokenUsage(promptTokens: prompt, cachedPromptTokens: cached, completionTokens: completion)))
    }

    /// A text answer streamed in the given pieces.
    static func text(_ pieces: [String], prompt: Int = 10, completion: Int = 5) -> [ScriptedChatModel.Chunk] {
        pieces.map { .delta(.text($0)) } + [usage(prompt, completion), .delta(.finish(.stop))]
    }

    static func text(_ whole: String, prompt: Int = 10, completion: Int = 5) -> [ScriptedChatModel.Chunk] {
        text([whole], prompt: prompt, completion: completion)
    }

    /// Tool calls, each `(id, name, arguments)`; the arguments arrive in two fragments.
    static func tools(_ calls: [(String, String, String)], text: String = "", prompt: Int = 10,
                      completion: Int = 5) -> [ScriptedChatModel.Chunk] {
        var chunks: [ScriptedChatModel.Chunk] = text.isEmpty ? [] : [.delta(.text(text))]
        for (index, call) in calls.enumerated() {
            let cut = call.2.index(call.2.startIndex, offsetBy: call.2.count / 2)
            chunks.append(.delta(.toolCallStart(index: index, id: call.0, name: call.1)))
            chunks.append(.delta(.toolCallArguments(index: index, fragment: String(call.2[..<cut]))))
            chunks.append(.delta(.toolCallArguments(index: index, fragment: String(call.2[cut...]))))
        }
        return chunks + [usage(prompt, completion), .delta(.finish(.toolCalls))]
    }
}
