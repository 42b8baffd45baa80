import AgentTestSupport
import Foundation
import Testing

/// Graceful shutdown.
@Suite struct ShutdownTests {
    /// SIGTERM during a stream: new requests get 503, the stream finishes, exit 0, socket removed.
    @Test func termDrainsStreams() async throws {
        let stack = try TestStack(model: .none, arguments: ["--drain-seconds", "90"])
        defer { stack.stop() }
        // Long (30 s): the stream must still be running when the request after SIGTERM arrives, or
        // the drain is already over and that request finds the listener closed (nginx's 502). On a
        // loaded machine this test process has been seen held up for 5 s between the SIGTERM and
        // that request, after a /status poll that took seconds.
        async let streamed = stack.client.stream("/diagnostics/stream?events=120&interval_ms=250")
        // Once the stream is being served, the operator stops the service.
        try await Self.waitForActiveStream(stack)
        stack.responder.process.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(200))
        let refused = try await stack.client.get("/ping")
        #expect(refused.status == 503, "a request during the drain: \(refused.status) \(refused.text)\n\(stack.logs)")
        #expect(refused.text == #"{"detail":"Server is shutting down"}"#)
        #expect(refused.headers["retry-after"] != nil)
        let stream = try await streamed
        #expect(stream.events.map(\.id) == Array(1...120), "\(stack.logs)")
        #expect(stream.comments.last == ": done")
        let code = stack.responder.process.waitForExit(timeout: 10)
        #expect(code == 0, "exit code \(String(describing: code)); \(stack.logs)")
        #expect(!FileManager.default.fileExists(atPath: stack.responder.socketPath))
    }

    /// The drain deadline ends a long stream cleanly with ': done' and exit 0.
    @Test func drainDeadlineEndsStreams() async throws {
        let stack = try TestStack(model: .none, arguments: ["--drain-seconds", "1"])
        defer { stack.stop() }
        async let streamed = stack.client.stream("/diagnostics/stream?events=100&interval_ms=200")
        try await Self.waitForActiveStream(stack)
        try await Task.sleep(for: .milliseconds(300))
        stack.responder.process.signal(SIGTERM)
        let stream = try await streamed
        #expect(stream.events.count > 1 && stream.events.count < 100, "events: \(stream.events.count)")
        #expect(stream.comments.last == ": done")
        #expect(stack.responder.process.waitForExit(timeout: 10) == 0, "\(stack.logs)")
    }

    /// An idle responder exits 0 promptly on SIGTERM.
    @Test func idleExit() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        #expect(try await stack.client.get("/ping").status == 200)
        stack.responder.process.signal(SIGTERM)
        #expect(stack.responder.process.waitForExit(timeout: 5) == 0, "\(stack.logs)")
    }

    /// HUP and USR1 go to their handlers and do not stop the responder.
    @Test func hangupAndUser1AreDispatched() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        stack.responder.process.signal(SIGHUP)
        stack.responder.process.signal(SIGUSR1)
        let logged = TestEnvironment.waitUntil(timeout: 5) {
            let log = stack.responder.process.log
            return log.contains("configuration reloaded") && log.contains("SIGUSR1: log file reopened")
        }
        #expect(logged, "\(stack.logs)")
        #expect(try await stack.client.get("/ping").text == "pong")
        #expect(stack.responder.process.isRunning)
    }

    /// Polls `/status` until the responder is writing a stream, so a signal lands mid-stream
    /// however slowly a loaded machine starts the request.
    static func waitForActiveStream(_ stack: TestStack) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let status = try await stack.client.get("/status")
            if let active = try status.json()["active_streams"]?.intValue, active >= 1 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("no stream became active within 30 s; \(stack.logs)")
    }
}
