import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Approval of tool calls end to end.
///
/// Human approval of tool calls (docs/API.md §5) through nginx and the built responder, with the
/// fake LLM asking for a gated tool: the pause on both streams and the blocking endpoint, the
/// decision over SSE and JSON, rejection, partial decisions, the error answers, a new message
/// instead, the timeout, and owner scoping through nginx auth.
@Suite struct ApprovalEndToEndTests {
    static let environment = ["AGENT_FCGI_AGENT_APPROVAL_TOOLS": "calculator"]
    static let sse = [("Accept", "text/event-stream")]

    /// The model calls the gated calculator and the ungated current_time in one turn, then answers.
    static func pauseScript(answer: String = "It is 5.") -> [JSONValue] {
        [["tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"], "id": "call_calc"],
                         ["name": "current_time", "arguments": [:] as JSONValue, "id": "call_time"]]],
         ["text": .string(answer)]]
    }

    /// The tool messages of the model's last request, by call id.
    static func lastToolResults(_ agent: TestStack) async throws -> [String: String] {
        let messages = try await agent.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        var results: [String: String] = [:]
        for message in messages where message["role"] == "tool" {
            results[message["tool_call_id"]?.stringValue ?? ""] = message["content"]?.stringValue
        }
        return results
    }

    static func decide(_ agent: TestStack, _ session: String, _ decisions: [JSONValue],
                       headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await agent.postJSON("/sessions/\(session)/approvals", ["decisions": .array(decisions)], headers: headers)
    }

    /// A gated call pauses the stream (ungated ones run), then an approval continues it over SSE.
    @Test func pauseThenApproveOverSSE() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.environment)
        defer { agent.stop() }
        try await agent.llm.script(Self.pauseScript())
        let paused = try await agent.query("what is 2+3?", delta: true)
        #expect(paused.contractViolations.isEmpty, "\(paused.contractViolations)\n\(agent.logs)")
        let request = try #require(paused.first("approval_request"), "\(paused.types)")
        #expect(request["tool_call_id"] == "call_calc" && request["tool"] == "calculator")
        #expect(request["args"] == ["expression": "2+3"])
        #expect(paused.all("tool_result").compactMap { $0["tool_call_id"]?.stringValue } == ["call_time"],
                "no tool_result for the gated call before approval: \(paused.types)")
        let final = try #require(paused.first("final"))
        #expect(final["status"] == "awaiting_approval" && final["pending"] == ["call_calc"], "\(final)")
        let sessionId = try #require(paused.sessionId)

        let view = try await agent.client.get("/sessions/\(sessionId)").json()
        let pending = try #require(view["pending_approvals"]?.arrayValue)
        #expect(pending.count == 1 && pending[0]["tool"] == "calculator" && pending[0]["args"] == ["expression": "2+3"])
        #expect(pending[0]["requested_at"]?.stringValue.flatMap(Timestamp.parse) != nil, "\(pending)")

        let raw = try await agent.client.stream("/sessions/\(sessionId)/approvals?stream=step", method: "POST",
                                                headers: [("Content-Type", "application/json")] + Self.sse,
                                                body: Data(#"{"decisions":[{"tool_call_id":"call_calc","approve":true}]}"#.utf8))
        let continued = try QueryStream(raw)
        #expect(continued.contractViolations.isEmpty, "\(continued.contractViolations)\n\(agent.logs)")
        #expect(continued.first("tool_result")?["result"] == "5", "\(continued.types)")
        #expect(continued.first("final")?["content"] == "It is 5." && continued.first("final")?["status"] == "completed")
        #expect(continued.first("text") != nil && continued.first("text_delta") == nil, "?stream=step chooses the step stream")
        #expect(continued.seqs.first == (paused.seqs.last ?? 0) + 1, "the continuation continues the session's seq")

        let replay = try QueryStream(try await agent.client.stream("/sessions/\(sessionId)/events?after=0"))
        #expect(replay.seqs == Array(1...(continued.seqs.last ?? 0)), "one event log across the pause: \(replay.seqs)")
        #expect(try await agent.client.get("/sessions/\(sessionId)").json()["pending_approvals"] == [])
        let results = try await Self.lastToolResults(agent)
        #expect(results["call_calc"] == "5" && results["call_time"] != nil, "the model read both results: \(results)")
        #expect(agent.logs.contains("tool call decision") && agent.logs.contains("tool_call_id=call_calc")
                && agent.logs.contains("decision=approved"), "one audit line per decision")
    }

    /// The blocking query pauses with status and pending_approvals; a JSON decision answers like /agent/query.
    @Test func blockingPauseAndJSONDecision() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.environment)
        defer { agent.stop() }
        try await agent.llm.script(Self.pauseScript())
        let paused = try await agent.postJSON("/agent/query", ["message": "2+3?"])
        #expect(paused.status == 200, "\(paused.text)")
        let body = try paused.json()
        #expect(body["status"] == "awaiting_approval" && body["response"] == "", "\(body)")
        #expect(body["pending_approvals"]?.arrayValue?.first?["tool_call_id"] == "call_calc", "\(body)")
        let sessionId = try #require(body["session_id"]?.stringValue)
        let answer = try await Self.decide(agent, sessionId, [["tool_call_id": "call_calc", "approve": true]])
        #expect(answer.status == 200, "\(answer.text)")
        let result = try answer.json()
        #expect(result["response"] == "It is 5." && result["session_id"] == .string(sessionId) && result["status"] == nil,
                "\(result)")
        #expect(result["usage"]?["total_tokens"] != nil)
    }

    /// A rejection's reason reaches the model as an error result.
    @Test func rejectionReachesTheModel() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.environment)
        defer { agent.stop() }
        try await agent.llm.script(Self.pauseScript(answer: "Understood, not computing."))
        let sessionId = try #require(try await agent.postJSON("/agent/query", ["message": "2+3?"]).json()["session_id"]?.stringValue)
        let answer = try await Self.decide(agent, sessionId, [["tool_call_id": "call_calc", "approve": false, "reason": "not now"]])
        #expect(try answer.json()["response"] == "Understood, not computing.", "\(answer.text)")
        #expect(try await Self.lastToolResults(agent)["call_calc"] == "Error: rejected by the user: not now")
        #expect(agent.logs.contains("decision=rejected") && agent.logs.contains("not now"))
    }

    /// Partial decisions are kept without running anything; 404, 409 and 422 for wrong decisions.
    @Test func partialDecisionsAndErrors() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_AGENT_APPROVAL_TOOLS": "calculator,current_*"])
        defer { agent.stop() }
        try await agent.llm.script(Self.pauseScript(answer: "Both decided."))
        let paused = try await agent.postJSON("/agent/query", ["message": "go"]).json()
        let sessionId = try #require(paused["session_id"]?.stringValue)
        #expect(paused["pending_approvals"]?.arrayValue?.count == 2, "\(paused)")

        let partial = try await Self.decide(agent, sessionId, [["tool_call_id": "call_time", "approve": false, "reason": "no"]])
        let waiting = try partial.json()["pending"]
        #expect(partial.status == 200 && waiting == ["call_calc"], "\(partial.text)")
        #expect(try await agent.llm.requests().count == 1, "nothing ran on a partial decision")
        let view = try await agent.client.get("/sessions/\(sessionId)").json()
        let stored = view["pending_approvals"]?.arrayValue?.first { $0["tool_call_id"] == "call_time" }
        #expect(stored?["decision"] == ["approve": false, "reason": "no"], "\(view)")

        let unknown = try await Self.decide(agent, sessionId, [["tool_call_id": "call_nope", "approve": true]])
        #expect(unknown.status == 422 && unknown.text.contains("tool_call_id"), "\(unknown.text)")
        for bad: JSONValue in [[:], ["decisions": "yes"], ["decisions": []], ["decisions": [["tool_call_id": "call_calc"]]],
                               ["decisions": [["tool_call_id": 7, "approve": "yes"]]]] {
            let response = try await agent.postJSON("/sessions/\(sessionId)/approvals", bad)
            #expect(response.status == 422, "\(bad): \(response.status) \(response.text)")
        }
        let missing = try await Self.decide(agent, "no-such-session", [["tool_call_id": "call_calc", "approve": true]])
        #expect(missing.status == 404 && missing.text == #"{"detail":"Session no-such-session not found"}"#, "\(missing.text)")
        #expect(try await agent.llm.requests().count == 1, "no wrong decision ran anything")

        let done = try await Self.decide(agent, sessionId, [["tool_call_id": "call_calc", "approve": true]])
        #expect(try done.json()["response"] == "Both decided.", "\(done.text)")
        let results = try await Self.lastToolResults(agent)
        #expect(results["call_calc"] == "5" && results["call_time"] == "Error: rejected by the user: no", "\(results)")
        let nothing = try await Self.decide(agent, sessionId, [["tool_call_id": "call_calc", "approve": true]])
        #expect(nothing.status == 409 && nothing.text.contains("no tool call is waiting"), "\(nothing.text)")
    }

    /// A new message rejects what is pending, records it in history, then runs.
    @Test func newMessageRejectsPending() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.environment)
        defer { agent.stop() }
        try await agent.llm.script([Self.pauseScript()[0], ["text": "Fresh answer."]])
        let sessionId = try #require(try await agent.postJSON("/agent/query", ["message": "2+3?"]).json()["session_id"]?.stringValue)
        let next = try await agent.postJSON("/agent/query", ["message": "never mind", "session_id": .string(sessionId)])
        #expect(try next.json()["response"] == "Fresh answer.", "\(next.text)")
        #expect(try await Self.lastToolResults(agent)["call_calc"] == "Error: rejected by the user: the user sent a new message instead")
        let messages = try await agent.client.get("/sessions/\(sessionId)/messages").json()["messages"]?.arrayValue ?? []
        #expect(messages.contains { $0["content"] == "rejected by the user: the user sent a new message instead" }, "\(messages)")
        #expect(try await agent.client.get("/sessions/\(sessionId)").json()["pending_approvals"] == [])
    }

    /// A call pending past agent.approval.timeout_seconds is rejected by the cleanup loop and the turn goes on.
    @Test func timeoutRejects() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.environment.merging([
            "AGENT_FCGI_AGENT_APPROVAL_TIMEOUT_SECONDS": "1", "AGENT_FCGI_SESSIONS_CLEANUP_INTERVAL_SECONDS": "1"]) { $1 })
        defer { agent.stop() }
        try await agent.llm.script(Self.pauseScript(answer: "Nobody answered."))
        let sessionId = try #require(try await agent.postJSON("/agent/query", ["message": "2+3?"]).json()["session_id"]?.stringValue)
        _ = try await agent.llm.waitForRequests(timeout: 30) { $0.count >= 2 }
        #expect(try await Self.lastToolResults(agent)["call_calc"] == "Error: not run: approval timed out")
        for _ in 0..<100 where !agent.logs.contains("decision=timed_out") { try await Task.sleep(for: .milliseconds(100)) }
        #expect(agent.logs.contains("decision=timed_out"), "the timeout is audited like a decision")
        for _ in 0..<100 where try await agent.client.get("/sessions/\(sessionId)").json()["pending_approvals"] != [] {
            try await Task.sleep(for: .milliseconds(100))
        }
        let late = try await Self.decide(agent, sessionId, [["tool_call_id": "call_calc", "approve": true]])
        #expect(late.status == 409, "nothing waits any more: \(late.text)")
    }

    /// Bob cannot see or decide alice's pending calls (owner scoping through nginx auth).
    @Test func ownerScoping() async throws {
        let authDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-auth")
        defer { try? FileManager.default.removeItem(atPath: authDirectory) }
        let auth = try await HTTPTestClient.onThread { try OwnerScopingTests.makeAuth(in: authDirectory) }
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.environment, basicAuthFile: auth)
        defer { agent.stop() }
        let alice = OwnerScopingTests.basic("alice"), bob = OwnerScopingTests.basic("bob")
        try await agent.llm.script(Self.pauseScript())
        let paused = try await agent.postJSON("/agent/query", ["message": "2+3?"], headers: alice)
        let sessionId = try #require(try paused.json()["session_id"]?.stringValue, "\(paused.text)")
        let yes: [JSONValue] = [["tool_call_id": "call_calc", "approve": true]]
        #expect(try await Self.decide(agent, sessionId, yes).status == 401, "nginx demands credentials")
        let stolen = try await Self.decide(agent, sessionId, yes, headers: bob)
        #expect(stolen.status == 404 && stolen.text == #"{"detail":"Session \#(sessionId) not found"}"#, "\(stolen.text)")
        #expect(try await agent.llm.requests().count == 1, "bob's decision ran nothing")
        let own = try await Self.decide(agent, sessionId, yes, headers: alice)
        #expect(try own.json()["response"] == "It is 5.", "\(own.text)")
        #expect(agent.logs.contains("owner=alice"), "the audit line names the owner")
    }
}
