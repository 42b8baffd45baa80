import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// Model streams pulled by their consumer.
///
/// The provider stream and the retry stream are pulled in their consumer's task (no task of
/// their own, no buffer between the transfer and the consumer): docs/ARCHITECTURE.md §3.4.
@Suite struct PulledModelStreamTests {
    static let request = ChatRequest(messages: [.user("go")])
    static let retries = RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.2, totalBudget: 600, jitter: 0)

    /// Nothing is requested until the consumer pulls the first delta.
    @Test func requestWaitsForTheConsumer() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "one two"])
            let stream = try server.openAI(retry: Self.retries).stream(Self.request)
            // A pushing stream would have started its task and sent the request by now.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await server.requests().isEmpty, "a stream nobody reads makes no request")
            var text = ""
            for try await delta in stream {
                if case .text(let piece) = delta { text += piece }
            }
            #expect(text == "one two")
            #expect(try await server.requests().count == 1)
        }
    }

    /// A consumer that stops reading pauses the transfer: no layer reads ahead into a buffer.
    @Test func backPressureReachesTheTransfer() async throws {
        try await FakeLLM.with { server in
            // 32 MiB of text in 256 KiB deltas: far more than the transfer's 1 MiB and the socket
            // buffers hold, so the server can only finish if something reads it all.
            let piece = String(repeating: "q", count: 256 * 1024)
            let total = 128 * piece.utf8.count
            try await server.script(["text": .string(String(repeating: piece, count: 128)), "chunk_size": .number(Double(256 * 1024))])
            let stream = try server.openAI(retry: Self.retries).stream(Self.request)
            var iterator = stream.makeAsyncIterator()
            var received = 0
            while received == 0, let delta = try await iterator.next() {
                if case .text(let text) = delta { received += text.utf8.count }
            }
            try await Task.sleep(for: .seconds(1))
            let midway = try #require(try await server.requests().first)
            #expect(midway["completed"] == false, "while the consumer waits, the transfer is paused")
            while let delta = try await iterator.next() {
                if case .text(let text) = delta { received += text.utf8.count }
            }
            #expect(received == total, "every delta arrives once the consumer reads again")
        }
    }

    /// Cancelling the consumer's task reaches curl through the retry layer.
    @Test func cancellationClosesTheUpstreamConnection() async throws {
        try await FakeLLM.with { server in
            let words = (1...200).map { "w\($0)" }.joined(separator: " ")
            try await server.script(["text": .string(words), "token_delay_ms": 50])
            let model = try server.openAI(retry: Self.retries)
            let firstTokens = AsyncStream<Void>.makeStream()
            let consumer = Task {
                var count = 0
                for try await delta in model.stream(Self.request) {
                    if case .text = delta {
                        count += 1
                        if count == 3 { firstTokens.continuation.yield() }
                    }
                }
                return count
            }
            for await _ in firstTokens.stream { break }
            consumer.cancel()
            switch await consumer.result {
            case .success(let count): #expect(count < 200, "the cancelled stream stopped early")
            case .failure(let error): #expect(error as? LLMError == .cancelled, "cancellation, not \(error)")
            }
            let recorded = try await server.waitForRequests(timeout: 5) { $0.first?["closed_early"] == true }
            #expect(recorded.first?["closed_early"] == true, "the transfer was aborted and its connection closed")
            #expect(recorded.count == 1, "a cancelled call is not retried")
        }
    }

    /// An error after deltas is thrown at the consumer's next(), after them, and not retried.
    @Test func errorIsThrownWhereTheConsumerAwaits() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "a b c d e f", "cut_after": 3], ["text": "never"])
            var iterator = try server.openAI(retry: Self.retries).stream(Self.request).makeAsyncIterator()
            var texts: [String] = []
            var failure: Error?
            do {
                while let delta = try await iterator.next() {
                    if case .text(let piece) = delta { texts.append(piece) }
                }
            } catch {
                failure = error
            }
            #expect(!texts.isEmpty, "the deltas before the cut came first")
            guard case .connection? = failure as? LLMError else {
                Issue.record("expected LLMError.connection from next(), got \(String(describing: failure))")
                return
            }
            #expect(try await iterator.next() == nil, "after the error the stream is over")
            #expect(try await server.requests().count == 1, "output went out, so the call is not repeated")
        }
    }
}
