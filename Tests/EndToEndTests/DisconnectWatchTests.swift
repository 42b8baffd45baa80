import AgentCore
import AgentTestSupport
import Foundation
import Synchronization
import Testing

/// Disconnects noticed while nothing is written.
///
/// Issue 12, finding 6: with `on_disconnect: cancel`, a client that goes away while the model is in
/// the middle of a step (nothing is being written to it) cancels the query within about a second,
/// on both streams, through nginx; the turn is not kept as completed.
@Suite struct DisconnectWatchTests {
    /// The model sends one chunk, then nothing for a minute: a step in progress, no frame to write.
    static let stallingAnswer: JSONValue = ["text": "s1 s2 s3 s4", "stall_after": 1, "stall_ms": 60000]

    /// A client gone during a silent model step cancels it, and the model connection closes within about a second.
    @Test(
          arguments: ["/agent/query-stream", "/agent/query-stream-delta"])
    func cancelDuringSilentStep(path: String) async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SESSIONS_ON_DISCONNECT": "cancel"])
        defer { agent.stop() }
        try await agent.llm.script(Self.stallingAnswer)
        let session = "walked-away"
        let hangUp = Atomic<Bool>(false)
        let port = agent.webServer.port
        let client = Task {
            try await HTTPTestClient.onThread { () -> Double in
                let connection = try RawConnection(port: port, timeout: 30)
                let body = #"{"message":"go","session_id":"\#(session)"}"#
                try connection.send("POST \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                _ = try connection.readHead()
                while !hangUp.load(ordering: .sequentiallyConsistent) { usleep(5_000) }
                return Date().timeIntervalSince1970
            }
        }
        // Hang up once the model has sent its chunk and gone quiet.
        let started = try await agent.llm.waitForRequests(timeout: 20) { $0.count == 1 }
        #expect(started.count == 1, "\(agent.logs)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await agent.llm.requests().first?["closed_early"] != true, "still running before the hang-up")
        hangUp.store(true, ordering: .sequentiallyConsistent)
        let goneAt = try await client.value
        let seen = try await agent.llm.waitForRequests(timeout: 20) { $0.first?["closed_early"] == true }
        let closedAt = try #require(seen.first?["closed_at"]?.doubleValue, "the model call was not abandoned: \(seen)\n\(agent.logs)")
        let seconds = closedAt - goneAt
        #expect(seconds < 1.5, "the model connection closed \(seconds) s after the client went away")
        // The turn ends cancelled in the stored log, never as a completed answer.
        var types: [(String, String)] = []
        for _ in 0..<100 {
            let events = try await agent.client.stream("/sessions/\(session)/events?after=0")
            types = try events.events.map {
                let event = try JSONValue.parse(Data(($0.data ?? "").utf8))
                return (event["type"]?.stringValue ?? "", event["status"]?.stringValue ?? event["code"]?.stringValue ?? "")
            }
            if types.contains(where: { $0.0 == "final" || $0.0 == "error" }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let terminal = types.first { $0.0 == "final" || $0.0 == "error" }
        #expect(terminal?.1 == "cancelled", "the stored turn ends cancelled, not completed: \(types)")
        print("\(path): model connection closed \(String(format: "%.2f", seconds)) s after the client went away")
    }
}
