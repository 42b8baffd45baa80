import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// One worker: streams and plain requests in turn.
///
/// A worker closes its hand-off socket pair while it holds a stream (so 10,000 streams need
/// 10,000 descriptors, not 30,000) and makes a new one for its next request.
@Suite struct StreamThenRequestsTests {
    /// After a stream, the same worker answers plain requests and streams again.
    @Test func workerRecoversItsHandOffAfterAStream() async throws {
        let stack = try TestStack(model: .none, arguments: ["--workers", "1"])
        defer { stack.stop() }
        for round in 1...3 {
            let stream = try await stack.client.stream("/diagnostics/stream?events=3&interval_ms=20")
            #expect(stream.status == 200, "round \(round): \(stack.logs)")
            #expect(stream.events.map(\.id) == [1, 2, 3], "round \(round)")
            #expect(stream.frames.last?.text == ": done", "round \(round)")
            for _ in 0..<3 {
                let health = try await stack.client.get("/health")
                #expect(health.status == 200, "round \(round): \(stack.logs)")
            }
        }
        #expect(!stack.logs.contains("libfcgi did not take the request"), "\(stack.logs)")
    }

    /// A burst queued faster than the worker writes goes out in batches, whole and in order.
    @Test func burstArrivesWholeAndInOrder() async throws {
        let stack = try TestStack(model: .none, arguments: ["--workers", "2"])
        defer { stack.stop() }
        // interval 0: the producer queues frames while the worker writes the last batch.
        let stream = try await stack.client.stream("/diagnostics/stream?events=500&interval_ms=0")
        #expect(stream.status == 200, "\(stack.logs)")
        #expect(stream.events.map(\.id) == Array(1...500))
        #expect(stream.frames.last?.text == ": done")
    }
}
