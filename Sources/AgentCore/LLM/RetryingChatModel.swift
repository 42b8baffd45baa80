import Foundation

/// Retries another model's calls per a `RetryPolicy`, but only while nothing has been yielded:
/// once a delta went out, a failure ends the stream with that error, so output is never repeated.
///
/// Threading: like `ProviderStream`, the stream is pulled in its consumer's task — no task of its
/// own, no buffer: each `next()` pulls the base stream's next delta, and the waits between
/// attempts are `Task.sleep`s in that task, so cancelling the consumer ends them at once.
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
        let puller = Puller(base: base, policy: policy, request: request)
        return AsyncThrowingStream(unfolding: { try await puller.next() })
    }

    /// The attempts of one call, advanced only by its consumer's `next()`.
    ///
    /// Threading: one `next()` at a time (`AsyncThrowingStream` traps on a second concurrent
    /// consumer), hence `@unchecked Sendable` for the `@Sendable` closure that owns it.
    private final class Puller: @unchecked Sendable {
        private let base: any ChatModel
        private let policy: RetryPolicy
        private let request: ChatRequest
        private let start = ContinuousClock.now
        private var attempt = 1
        private var current: AsyncThrowingStream<ChatDelta, Error>.Iterator?
        private var yielded = false
        private var done = false

        init(base: any ChatModel, policy: RetryPolicy, request: ChatRequest) {
            self.base = base
            self.policy = policy
            self.request = request
        }

        func next() async throws -> ChatDelta? {
            while !done {
                var iterator = current ?? base.stream(request).makeAsyncIterator()
                current = iterator
                do {
                    let delta = try await iterator.next()
                    current = iterator
                    guard let delta else {
                        done = true
                        current = nil
                        return nil
                    }
                    yielded = true
                    return delta
                } catch {
                    current = nil
                    try await retryOrThrow(ProviderErrorMapper.error(transport: error))
                }
            }
            return nil
        }

        /// Waits before the next attempt, or ends the stream with `failure`.
        private func retryOrThrow(_ failure: LLMError) async throws {
            let elapsed = (ContinuousClock.now - start).inSeconds
            guard !yielded, !Task.isCancelled,
                  let wait = policy.delay(after: failure, attempt: attempt, elapsed: elapsed) else {
                done = true
                throw Task.isCancelled ? LLMError.cancelled : failure
            }
            AgentMetrics.retry(model: base.modelName, error: failure)
            do {
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            } catch {
                done = true
                throw LLMError.cancelled
            }
            attempt += 1
        }
    }
}
