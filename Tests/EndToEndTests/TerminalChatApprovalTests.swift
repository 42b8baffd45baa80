import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// `agent-fcgi chat` in a pseudo-terminal with a gated tool: the chat asks y/n for each waiting
/// call (and a reason when the answer is no) and streams the continuation.
@Suite struct TerminalChatApprovalTests {
    @Test func asksBeforeAGatedCallRunsApprovesOneRejectsAnother() async throws {
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused", "AGENT_FCGI_AGENT_APPROVAL_TOOLS": "calculator"])
        defer { stack.stop() }
        try await stack.llm.script([
            ["tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"], "id": "call_a"]]],
            ["text": "The calculator says 5."],
            ["tool_calls": [["name": "calculator", "arguments": ["expression": "9*9"], "id": "call_b"]]],
            ["text": "Fine, I will not compute it."],
        ])
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "chat-pty")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let steps: [PtyDriver.Step] = [
            .init(name: "start", expect: "you> ", timeout: 20),
            .init(name: "ask", send: "What is 2+3?\r", expect: #"approve calculator\(2\+3\)\? \[y/N\] "#, timeout: 30),
            .init(name: "approve", send: "y\r", expect: #"says 5\..*you> "#, timeout: 30),
            .init(name: "ask again", send: "And 9*9?\r", expect: #"approve calculator\(9\*9\)\? \[y/N\] "#, timeout: 30),
            .init(name: "reject", send: "n\r", expect: #"reason \(optional\): "#),
            .init(name: "reason", send: "not now\r", expect: #"will not compute it\..*you> "#, timeout: 30),
            .init(name: "exit", send: "\u{03}", timeout: 10, exit: true),
        ]
        let outcome = try await PtyDriver.run([TestEnvironment.responderBinary, "chat", "--url", stack.baseURL],
                                              steps: steps, workDirectory: directory)
        let context = "\(outcome.explanation)\n\(stack.logs)"
        print("chat transcript:\n\(outcome.transcript)")
        #expect(outcome.failures.isEmpty && outcome.exitCode == 0, "\(context)")
        let asked = outcome.step("ask")?["output"]?.stringValue ?? ""
        #expect(asked.contains("⏸ calculator(2+3) waits for your approval") && !asked.contains("→ 5"),
                "nothing ran before the answer: \(asked)")
        let approved = outcome.step("approve")?["output"]?.stringValue ?? ""
        #expect(approved.contains("⚙ calculator(2+3) → 5"), "\(approved)")
        let requests = try await stack.llm.requests()
        let rejected = requests.last?["body"]?["messages"]?.arrayValue?.last { $0["role"] == "tool" }
        #expect(rejected?["content"] == "Error: rejected by the user: not now", "\(String(describing: rejected))")
    }
}
