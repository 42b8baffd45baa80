import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Server-sent events through real web servers.
@Suite struct StreamingTests {
    /// Diagnostics frames arrive one by one, not at the end.
    @Test(arguments: WebServerInstance.Kind.allCases) func framesArriveIncrementally(kind: WebServerInstance.Kind) async throws {
        let stack = try TestStack(kind, model: .none)
        defer { stack.stop() }
        let stream = try await stack.client.stream("/diagnostics/stream?events=5&interval_ms=300")
        #expect(stream.status == 200, "\(stack.logs)")
        #expect(stream.headers["content-type"] == "text/event-stream; charset=utf-8")
        #expect(stream.headers["cache-control"] == "no-cache, no-transform")
        #expect(stream.events.map(\.id) == [1, 2, 3, 4, 5])
        #expect(stream.frames.last?.text == ": done", "last frame: \(String(describing: stream.frames.last))")
        let first = try #require(stream.events.first)
        let last = try #require(stream.events.last)
        // 4 intervals of 300 ms separate the first and last event; buffering would collapse them.
        #expect(last.arrivedAt - first.arrivedAt >= 0.8, "arrivals: \(stream.events.map(\.arrivedAt))")
        let payload = try JSONValue.parse(try #require(first.data))
        #expect(payload["type"] == "diagnostic")
        #expect(payload["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil)
    }

    /// A quiet stream gets ': ping' heartbeats.
    @Test func heartbeatsWhileIdle() async throws {
        let stack = try TestStack(model: .none, arguments: ["--heartbeat-seconds", "0.5"])
        defer { stack.stop() }
        let stream = try await stack.client.stream("/diagnostics/stream?events=2&interval_ms=1600")
        #expect(stream.events.count == 2)
        #expect(stream.comments.filter { $0 == ": ping" }.count >= 2, "frames: \(stream.frames.map(\.text))")
        #expect(stream.comments.last == ": done")
    }

    /// A client killed mid-stream is counted as an abort and its worker is freed.
    @Test(arguments: WebServerInstance.Kind.allCases) func killedClientIsDetected(kind: WebServerInstance.Kind) async throws {
        let stack = try TestStack(kind, model: .none, arguments: ["--workers", "2"])
        defer { stack.stop() }
        let output = stack.directory + "/curl.out"
        let curl = try ManagedProcess(try #require(TestEnvironment.executable("curl")),
                                      ["-sN", "-o", output, "http://127.0.0.1:\(stack.webServer.port)/diagnostics/stream?events=100&interval_ms=100"],
                                      logPath: stack.directory + "/curl.log")
        let gotFrames = TestEnvironment.waitUntil(timeout: 10) {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("id: 2\n")
        }
        #expect(gotFrames, "curl never received two frames")
        curl.signal(SIGKILL)
        _ = curl.waitForExit(timeout: 5)

        var status: JSONValue = .null
        for _ in 0..<100 {
            status = try await stack.client.get("/status").json()
            if status["client_aborts"]?.intValue == 1, status["active_streams"]?.intValue == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status["client_aborts"]?.intValue == 1, "\(status)\n\(stack.logs)")
        #expect(status["active_streams"]?.intValue == 0)
        #expect(status["workers"]?["busy"]?.intValue == 1, "only /status itself should hold a worker: \(status)")
        // Both workers serve again: two streams at once complete.
        async let a = stack.client.stream("/diagnostics/stream?events=2&interval_ms=50")
        async let b = stack.client.stream("/diagnostics/stream?events=2&interval_ms=50")
        let (streamA, streamB) = try await (a, b)
        #expect(streamA.events.count == 2 && streamB.events.count == 2)
    }

    /// 64 concurrent streams on 16 workers queue and all complete.
    @Test func streamsQueueForWorkers() async throws {
        let stack = try TestStack(model: .none, arguments: ["--workers", "16"])
        defer { stack.stop() }
        let client = stack.client
        let results = try await withThrowingTaskGroup(of: HTTPTestStream.self) { group in
            for _ in 0..<64 {
                group.addTask { try await client.stream("/diagnostics/stream?events=3&interval_ms=100") }
            }
            return try await group.reduce(into: [HTTPTestStream]()) { $0.append($1) }
        }
        #expect(results.count == 64)
        let complete = results.filter { $0.status == 200 && $0.events.count == 3 && $0.comments.last == ": done" }
        #expect(complete.count == 64, "statuses: \(results.map(\.status)); \(stack.logs.suffix(2000))")
        let status = try await stack.client.get("/status").json()
        #expect((status["times_all_busy"]?.intValue ?? 0) >= 1, "64 streams on 16 workers must have used them all: \(status)")
    }
}
