import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Approval across restarts and responders.
///
/// A paused turn is stored state, not a waiting task: a decision taken after a restart, or on
/// another responder sharing the PostgreSQL database, continues it from the store.
@Suite struct ApprovalDurabilityTests {
    static let gated = ["AGENT_FCGI_AGENT_APPROVAL_TOOLS": "calculator"]
    static let callScript: JSONValue = ["tool_calls": [["name": "calculator", "arguments": ["expression": "6*7"], "id": "call_mul"]]]

    static func pause(on stack: TestStack, session: String) async throws -> JSONValue {
        try await stack.llm.script([callScript])
        let paused = try await stack.postJSON("/agent/query", ["message": "6*7?", "session_id": .string(session)])
        guard paused.status == 200 else { throw TestFailure("pause answered \(paused.status): \(paused.text)\n\(stack.responderLog)") }
        return try paused.json()
    }

    static func approve(on stack: TestStack, session: String) async throws -> HTTPTestResponse {
        try await stack.postJSON("/sessions/\(session)/approvals", ["decisions": [["tool_call_id": "call_mul", "approve": true]]])
    }

    /// A restart between the pause and the decision loses nothing: the decision continues from the store.
    @Test func restartBetweenPauseAndDecision() async throws {
        let stack = try TestStack(environment: Self.gated)
        defer { stack.stop() }
        let paused = try await Self.pause(on: stack, session: "approve-1")
        #expect(paused["status"] == "awaiting_approval", "\(paused)")
        let before = try await stack.eventLog("approve-1")

        try stack.restartResponder()
        let view = try await stack.getJSON("/sessions/approve-1")
        #expect(view["pending_approvals"]?.arrayValue?.first?["tool_call_id"] == "call_mul", "\(view)")
        try await stack.llm.script([["text": "It is 42."]])
        let answer = try await Self.approve(on: stack, session: "approve-1")
        let response = try answer.json()["response"]
        #expect(answer.status == 200 && response == "It is 42.", "\(answer.text)\n\(stack.responderLog)")
        let log = try await stack.eventLog("approve-1")
        #expect(log.seqs == Array(1...log.seqs.count) && log.seqs.count > before.seqs.count, "seq goes on: \(log.seqs)")
        let sent = try await stack.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        #expect(sent.contains { $0["role"] == "tool" && $0["content"] == "42" }, "the approved call ran after the restart: \(sent)")
    }

    /// With PostgreSQL, a call paused on one responder is decided on another.
    @Test func decisionOnAnotherResponder() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase(prefix: "approval")
        let environment = PostgresBackendTests.environment(url).merging(Self.gated) { $1 }
        let first = try TestStack(environment: environment)
        defer { first.stop() }
        let second = try TestStack(environment: environment)
        defer { second.stop() }

        let paused = try await Self.pause(on: first, session: "shared-1")
        #expect(paused["pending_approvals"]?.arrayValue?.count == 1, "\(paused)")
        // Both keep running: the one that paused holds the session in memory, the other reads it.
        let view = try await second.getJSON("/sessions/shared-1")
        #expect(view["pending_approvals"]?.arrayValue?.first?["tool"] == "calculator", "read from PostgreSQL: \(view)")
        try await second.llm.script([["text": "Decided elsewhere: 42."]])
        let answer = try await Self.approve(on: second, session: "shared-1")
        let response = try answer.json()["response"]
        #expect(answer.status == 200 && response == "Decided elsewhere: 42.",
                "\(answer.text)\n\(second.responderLog)")
        let sent = try await second.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        #expect(sent.contains { $0["role"] == "assistant" && $0["tool_calls"] != nil } && sent.contains { $0["content"] == "42" },
                "the second responder continued the first one's turn: \(sent)")
        #expect(try await second.getJSON("/sessions/shared-1")["pending_approvals"] == [])
        let firstCalls = try await first.llm.requests().count, secondCalls = try await second.llm.requests().count
        #expect(firstCalls == 1 && secondCalls == 1, "each model was called once")
        // The responder that paused sees the decision and the turn it continued, not its stale copy.
        let seenByFirst = try await first.getJSON("/sessions/shared-1")
        #expect(seenByFirst["pending_approvals"] == [], "\(seenByFirst)")
        let messages = try await first.getJSON("/sessions/shared-1/messages")["messages"]?.arrayValue ?? []
        #expect(messages.last?["content"] == "Decided elsewhere: 42.", "\(messages)")
        let again = try await Self.approve(on: first, session: "shared-1")
        #expect(again.status == 409, "nothing waits any more, on either responder: \(again.text)")
    }
}
