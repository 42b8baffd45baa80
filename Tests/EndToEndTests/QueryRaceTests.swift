import AgentCore
import AgentTestSupport
import Foundation
import Synchronization
import Testing

/// Queries racing DELETE and clear.
///
/// Issue 12 #13: 16 clients mixing queries, DELETE and clear on five sessions got hundreds of
/// 500s (`query cancelled: the session was deleted`) and 503s (`snapshot store: session r0 not
/// found`). A race is the client's conflict (404/409, or a stream's `error` with code
/// `cancelled`), never a server error, and the store stays healthy.
@Suite struct QueryRaceTests {
    /// 8 clients × 16 requests mix queries, streams, DELETE and clear on 5 sessions: no 5xx, no internal error,
    /// /health healthy.
    @Test func racesAreConflictsNotServerErrors() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        // Answers that take a little while, so DELETE and clear meet running and queued queries.
        try await agent.llm.script(Array(repeating: ["text": "one two three four", "token_delay_ms": 15], count: 400))
        // A fixed amount of work (a few seconds on a quiet machine), not a fixed time: the same
        // races are tried however loaded the machine is.
        let rounds = 16
        let outcomes = Outcomes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<8 {
                group.addTask {
                    for round in 1...rounds {
                        let id = "r\((client * 7 + round) % 5)"
                        let operation = (client + round) % 6
                        try await Self.perform(operation, on: id, agent: agent, outcomes: outcomes)
                    }
                }
            }
            try await group.waitForAll()
        }
        let failures = outcomes.failures
        #expect(failures.isEmpty, "\(failures.count) server errors, first: \(failures.prefix(5))\n\(agent.logs.suffix(3000))")
        #expect(outcomes.requests == 8 * rounds, "every request was answered: \(outcomes.requests)")

        let health = try await agent.client.get("/health").json()
        #expect(health["status"] == "healthy", "\(health)")
        for id in (0..<5).map({ "r\($0)" }) {
            let after = try await agent.postJSON("/agent/query", ["message": "after", "session_id": .string(id)])
            #expect(after.status == 200, "\(id) works afterwards: \(after.status) \(after.text)")
        }
    }

    static func perform(_ operation: Int, on id: String, agent: TestStack, outcomes: Outcomes) async throws {
        let label: String
        let status: Int
        var detail = ""
        switch operation {
        case 0:
            label = "DELETE"
            let response = try await agent.client.request("DELETE", "/sessions/\(id)")
            (status, detail) = (response.status, response.text)
        case 1:
            label = "clear"
            let response = try await agent.client.request("POST", "/sessions/\(id)/clear")
            (status, detail) = (response.status, response.text)
        case 2, 3:
            label = "query-stream"
            let stream = try await agent.stream("/agent/query-stream", ["message": "hi", "session_id": .string(id)])
            status = stream.status
            if status == 200 {
                let events = try stream.eventObjects()
                let terminal = events.filter { $0["type"] == "final" || $0["type"] == "error" }
                if terminal.count != 1 || !stream.endsWithDone {
                    outcomes.fail("\(label) \(id): \(terminal.count) terminal events, done: \(stream.endsWithDone)")
                }
                if let error = events.first(where: { $0["type"] == "error" }), error["code"] != "cancelled" {
                    outcomes.fail("\(label) \(id): error event \(error)")
                }
            }
        default:
            label = "query"
            let response = try await agent.postJSON("/agent/query", ["message": "hi", "session_id": .string(id)])
            (status, detail) = (response.status, response.text)
        }
        outcomes.count()
        if status >= 500 { outcomes.fail("\(label) \(id): \(status) \(detail)") }
        else if ![200, 404, 409].contains(status) { outcomes.fail("\(label) \(id): unexpected \(status) \(detail)") }
    }

    final class Outcomes: Sendable {
        private let state = Mutex<(requests: Int, failures: [String])>((0, []))

        func count() { state.withLock { $0.requests += 1 } }
        func fail(_ text: String) { state.withLock { $0.failures.append(text) } }
        var requests: Int { state.withLock { $0.requests } }
        var failures: [String] { state.withLock { $0.failures } }
    }
}
