import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Approval settings reload.
///
/// `agent.approval.*` reloaded on SIGHUP: the gated list applies to the next calls, and a new
/// timeout to calls made after the reload, not to those already waiting.
@Suite struct ApprovalReloadTests {
    static func config(approval: String) -> String {
        "model:\n  base_url: \"@LLM@\"\nagent:\n  approval:\n" + approval
    }

    static let call: JSONValue = ["tool_calls": [["name": "calculator", "arguments": ["expression": "1+1"]]]]

    /// A SIGHUP gates the next calls; a later timeout change leaves waiting calls their deadline.
    @Test func reloadGatesNewCalls() async throws {
        let stack = try TestStack(config: Self.config(approval: "    tools: []\n"))
        defer { stack.stop() }
        try await stack.llm.script(Self.call, ["text": "two"])
        let ungated = try await stack.post("/agent/query", #"{"message": "1+1?", "session_id": "reload-approval"}"#)
        #expect(try ungated.json()["response"] == "two", "\(ungated.text)\n\(stack.logs)")

        try stack.writeConfig(Self.config(approval: "    tools: [calc*]\n    timeout_seconds: 600\n"))
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        try await stack.llm.script(Self.call)
        let paused = try await stack.post("/agent/query", #"{"message": "again", "session_id": "reload-approval"}"#).json()
        #expect(paused["status"] == "awaiting_approval", "\(paused)")
        let waiting = try #require(paused["pending_approvals"]?.arrayValue?.first)
        let requested = try #require(waiting["requested_at"]?.stringValue.flatMap(Timestamp.parse))
        let expires = try #require(waiting["expires_at"]?.stringValue.flatMap(Timestamp.parse))
        #expect(abs(expires.timeIntervalSince(requested) - 600) < 0.01, "\(waiting)")

        try stack.writeConfig(Self.config(approval: "    tools: [calc*]\n    timeout_seconds: 0\n"))
        #expect(stack.occurrences(of: "configuration reloaded") == 1)
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        let view = try await stack.client.get("/sessions/reload-approval").json()
        #expect(view["pending_approvals"]?.arrayValue?.first?["expires_at"] == waiting["expires_at"], "\(view)")
    }
}
