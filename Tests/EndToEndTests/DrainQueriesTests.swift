import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Draining queries that run without a client.
///
/// A query whose client went away keeps running (`on_disconnect: continue`); a drain gives it the
/// same deadline as requests in flight, so a routine restart does not cancel the user's turn.
@Suite struct DrainQueriesTests {
    /// SIGTERM lets a detached query finish and commit before the process exits.
    @Test func drainWaitsForDetachedQueries() async throws {
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused"])
        defer { stack.stop() }
        try await stack.llm.script([["text": .string(FakeLLM.longText(seconds: 4, delayMs: 50)), "token_delay_ms": 50]])
        let body = Data(#"{"message":"long answer","session_id":"drained"}"#.utf8)
        // A client that reads the response head and hangs up.
        let port = stack.webServer.port
        try await HTTPTestClient.onThread {
            let connection = try RawConnection(port: port, timeout: 10)
            try connection.send("POST /agent/query-stream-delta HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                                + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
            connection.sendIgnoringReset(body)
            _ = try connection.readHead()
        }
        _ = try await stack.llm.waitForRequests { !$0.isEmpty }
        stack.responder.process.signal(SIGTERM)
        #expect(stack.responder.process.waitForExit(timeout: 20) == 0, "\(stack.logs)")
        // Read what was committed straight from the SQLite file the responder used.
        let database = stack.directory + "/agent.sqlite"
        let store = try await SQLiteSessionStore(settings: .init(path: database))
        let stored = try #require(try await store.loadSession(id: "drained"))
        let events = try await store.events(sessionId: "drained", after: 0, limit: 10_000)
        await store.close()
        #expect(stored.history.map(\.role) == [.user, .assistant], "the turn finished: \(stored.history)")
        #expect(stored.history.last?.content.hasPrefix("echo") == false)
        #expect(events.suffix(2).map(\.type) == ["final", "usage"])
        #expect(events.last(where: { $0.type == "final" })?.json.contains(#""status":"completed""#) == true)
    }
}
