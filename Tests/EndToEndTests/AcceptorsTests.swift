import AgentTestSupport
import Foundation
import Testing

/// `server.acceptors`: a few idle workers wait in accept(), the others sleep until needed.
@Suite struct AcceptorsTests {
    /// Two acceptors among sixteen workers: streams occupying more workers than there are
    /// acceptors still leave room for requests beside them (sleepers are woken), a burst of
    /// requests is answered whole, and SIGTERM still stops every worker, sleeping ones too.
    @Test func fewAcceptorsServeEverythingAndStop() async throws {
        let stack = try TestStack(model: .none, arguments: ["--workers", "16", "--drain-seconds", "5"],
                                  environment: ["AGENT_FCGI_SERVER_ACCEPTORS": "2"])
        defer { stack.stop() }
        let client = stack.client
        // Long streams (15 s), cut by the drain at the end: they must still run when the burst comes.
        let streams = (0..<4).map { _ in Task { try await client.stream("/diagnostics/stream?events=300&interval_ms=50") } }
        var active = 0
        for _ in 0..<600 {
            active = try await client.get("/status").json()["active_streams"]?.intValue ?? 0
            if active == 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(active == 4, "four workers busy with streams, more than the two acceptors")
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 { group.addTask { try await client.get("/health").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(answers.count == 40 && answers.allSatisfy { $0 == 200 }, "\(answers)\n\(stack.logs)")
        stack.responder.process.signal(SIGTERM)
        for stream in streams {
            let ended = try await stream.value
            #expect(ended.events.count > 0 && ended.comments.last == ": done", "the drain ended each stream cleanly")
        }
        #expect(stack.responder.process.waitForExit(timeout: 15) == 0, "every worker stopped: \(stack.logs)")
    }
}
