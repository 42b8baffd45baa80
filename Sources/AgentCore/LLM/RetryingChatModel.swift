import Foundation

/// Retries another model's calls per a `RetryPolicy`, but only while nothing has been yielded:
/// once a delta went out, a failure ends the stream with that error, so output is never repeated.
public struct RetryingChatModel: ChatModel {
    public let base: any ChatModel
    public let policy: RetryPolicy

    public init(base: any ChatModel, policy: RetryPolicy) {
        self.base = base
        self.policy = policy
    }

    public var modelName: String { base.modelName }
    public var contextWindow: Int? { base.contextWindow }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatDelta, Error> {
        let base = self.base
        let policy = self.policy
        // Unbounded, as the provider's stream below it: nothing may be dropped.
        return AsyncThrowingStream(ChatDelta.self, bufferingPolicy: .unbounded) { continuation in
            let task = Task {
                let start = ContinuousClock.now
                var attempt = 1
                while true {
                    var yielded = false
                    do {
                        for try await delta in base.stream(request) {
                            yielded = true
                            continuation.yield(delta)
                        }
                        continuation.finish()
                        return
                    } catch {
                        let failure = ProviderErrorMapper.error(transport: error)
                        let elapsed = (ContinuousClock.now - start).inSeconds
                        guard !yielded, !Task.isCancelled,
                              let wait = policy.delay(after: failure, attempt: attempt, elapsed: elapsed) else {
                            continuation.finish(throwing: Task.isCancelled ? LLMError.cancelled : failure)
                            return
                        }
                        AgentMetrics.retry(model: base.modelName, error: failure)
                        do {
                            try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                        } catch {
                            continuation.finish(throwing: LLMError.cancelled)
                            return
                        }
                        attempt += 1
                    }
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
