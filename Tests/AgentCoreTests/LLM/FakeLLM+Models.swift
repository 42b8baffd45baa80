import AgentTestSupport
import Foundation
@testable import AgentCore

/// AgentCore's model clients pointed at the fake LLM.
extension FakeLLM {
    func configuration(_ provider: ModelSettings.Provider, retry: RetryPolicy = .none, stallTimeout: Int = 30,
                       requestTimeout: Double = 60, apiKey: String = "test-key") -> ModelSettings {
        ModelSettings(provider: provider, baseURL: provider == .openai ? openAIBaseURL : baseURL, model: "fake-model",
                      apiKey: .literal(apiKey), requestTimeout: requestTimeout, stallTimeout: stallTimeout,
                      contextWindow: 8192, retry: retry)
    }

    func openAI(retry: RetryPolicy = .none, stallTimeout: Int = 30) throws -> any ChatModel {
        try ChatModelFactory.make(configuration(.openai, retry: retry, stallTimeout: stallTimeout))
    }

    func anthropic(retry: RetryPolicy = .none) throws -> any ChatModel {
        try ChatModelFactory.make(configuration(.anthropic, retry: retry))
    }
}

/// Collects a stream's deltas, and the error that ended it, if any.
func collectDeltas(_ stream: AsyncThrowingStream<ChatDelta, Error>) async -> (deltas: [ChatDelta], error: Error?) {
    var deltas: [ChatDelta] = []
    do {
        for try await delta in stream { deltas.append(delta) }
        return (deltas, nil)
    } catch {
        return (deltas, error)
    }
}
