import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// `server.workers` is a ceiling: worker threads start as connections need them
/// (`server.spare_workers` ahead), not all at start-up.
@Suite struct WorkerStartTests {
    /// With a ceiling of 200, an idle responder runs a handful of workers; thirty held streams
    /// start about forty more (each stream holds one, and a quarter more stand by for a burst),
    /// every request beside them is answered,
    /// and /status and /metrics say how many started.
    @Test func workersStartAsStreamsNeedThem() async throws {
        let stack = try await TestStack.start(model: .none, arguments: ["--workers", "200", "--drain-seconds", "5"],
                                              environment: ["AGENT_FCGI_SERVER_SPARE_WORKERS": "4"])
        defer { stack.stop() }
        let client = stack.client
        // Each /status holds a connection while it is answered, so the spawner may start a fifth
        // worker just after the answer: read until the count and the threads agree.
        var idle: JSONValue?
        var threads = 0
        for _ in 0..<100 {
            idle = try await stack.getJSON("/status")["workers"]
            threads = stack.responder.threadCount(named: "fcgi-worker-")
            if idle?["started"]?.intValue == threads { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(idle?["total"] == 200)
        let startedIdle = idle?["started"]?.intValue ?? -1
        #expect((4...6).contains(startedIdle), "four spares, and one for the /status request itself: \(String(describing: idle))")
        #expect(threads == startedIdle, "the count is the threads running")

        let streams = (0..<30).map { _ in Task { try await client.stream("/diagnostics/stream?events=400&interval_ms=50") } }
        var status: JSONValue = [:]
        for _ in 0..<600 {
            status = try await stack.getJSON("/status")
            // The spawner starts workers just after the connections that need them: wait for it too.
            if status["active_streams"] == 30, status["workers"]?["started"]?.intValue ?? 0 >= 41 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status["active_streams"] == 30, "\(status)")
        let started = status["workers"]?["started"]?.intValue ?? -1
        // 30 held streams (31 while a /status is answered), 4 spare, and a quarter of those held
        // for bursts: 41 or 42, whichever the spawner saw.
        #expect((41...50).contains(started), "\(status)")
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 { group.addTask { try await client.get("/health").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(answers.count == 40 && answers.allSatisfy { $0 == 200 }, "\(answers)\n\(stack.logs)")
        let metrics = try PrometheusText(parsing: try await client.get("/metrics").text)
        #expect((metrics.value("agent_fcgi_workers_started") ?? 0) >= Double(started))
        #expect((try await stack.getJSON("/status")["workers"]?["started"]?.intValue ?? 0) <= 200)

        stack.responder.process.signal(SIGTERM)
        for stream in streams {
            let ended = try await stream.value
            #expect(ended.events.count > 0 && ended.comments.last == ": done", "the drain ended each stream cleanly")
        }
        #expect(stack.responder.process.waitForExit(timeout: 15) == 0, "every started worker stopped: \(stack.logs)")
    }
}
