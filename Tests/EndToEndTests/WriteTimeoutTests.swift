import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// A peer that stops reading.
@Suite struct WriteTimeoutTests {
    /// A stalled reader times out the write, is counted, and frees its worker.
    @Test func stalledReaderFreesWorker() async throws {
        let stack = try TestStack(model: .none, arguments: ["--workers", "2", "--write-timeout-seconds", "1"])
        defer { stack.stop() }
        // 10 000 frames without pause are far more than the socket buffer holds.
        let stalled = try FastCGITestClient(socketPath: stack.responder.socketPath)
        try stalled.sendGet("/diagnostics/stream?events=10000&interval_ms=0")
        var status: JSONValue = .null
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await stack.client.get("/status").json()
            // libfcgi's finish adds its lingering close (up to 2 s) before the worker is free.
            if status["write_timeouts"]?.intValue == 1, status["workers"]?["busy"]?.intValue == 1 { break }
        }
        #expect(status["write_timeouts"]?.intValue == 1, "\(status)\n\(stack.logs)")
        #expect(status["active_streams"]?.intValue == 0)
        #expect(status["workers"]?["busy"]?.intValue == 1, "only /status itself holds a worker: \(status)")
        withExtendedLifetime(stalled) {}
    }
}
