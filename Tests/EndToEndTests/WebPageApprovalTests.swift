import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// The chat page in headless Chromium with a gated tool: the answer stops at an approval card
/// (tool, arguments, Approve / Reject with a reason), Approve sends the decision, and the same
/// answer streams on to the tool's result and the final text.
@Suite struct WebPageApprovalTests {
    @Test func approvingACallInThePageRunsItAndShowsTheResult() async throws {
        try WebPageDriver.requireChromium()
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused", "AGENT_FCGI_AGENT_APPROVAL_TOOLS": "calculator"])
        defer { stack.stop() }
        try await stack.llm.script([
            ["text": "Let me compute that.", "tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"]]]],
            ["text": "The sum of two and three is 5, as the calculator confirmed once you approved it.", "token_delay_ms": 60],
        ])
        let output = try WebPageTests.outputDirectory()
        var options = WebPageDriver.Options(baseURL: stack.baseURL + "/")
        options.screenshot = output.appendingPathComponent("web-page-approval.png")
        options.message = "What is 2+3?"
        options.expectText = "is 5"
        options.expectTool = "calculator"
        options.approve = true
        options.skipCancel = true
        let outcome = try await WebPageDriver.run(options, workDirectory: output)
        print("web page approval screenshot: \(options.screenshot!.path)")
        try WebPageDriver.skipIfChromiumCannotRun(outcome)
        WebPageDriver.expectPassed(outcome)
        let report = try #require(outcome.report, "\(outcome.explanation)\n\(stack.logs)")
        let approval = try #require(report.approval, "\(outcome.explanation)")
        #expect(approval.stateBefore == "awaiting_approval")
        #expect(approval.cardsBefore.map(\.tool) == ["calculator"] && approval.cardsBefore.first?.args?.contains("2+3") == true)
        #expect(approval.cardsAfter?.map(\.decision) == ["approved"], "\(String(describing: approval.cardsAfter))")
        let answer = try #require(report.answer)
        #expect(answer.state == "completed")
        #expect(answer.toolCards.contains { $0.tool == "calculator" && $0.status == "completed" }, "\(answer.toolCards)")
        let requests = try await stack.llm.requests()
        #expect(requests.count == 2, "the model was asked again only after the approval: \(requests.count)")
        let results = requests.last?["body"]?["messages"]?.arrayValue?.filter { $0["role"] == "tool" } ?? []
        #expect(results.map { $0["content"] } == ["5"], "\(results)")
    }

    @Test func aCallPausedThroughTheAPIIsApprovedFromThePageAfterALoad() async throws {
        try WebPageDriver.requireChromium()
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused", "AGENT_FCGI_AGENT_APPROVAL_TOOLS": "calculator"])
        defer { stack.stop() }
        try await stack.llm.script([
            ["tool_calls": [["name": "calculator", "arguments": ["expression": "7*6"]]]],
            ["text": "It is 42, now that you approved it from the page."],
        ])
        let paused = try await stack.client.request(
            "POST", "/agent/query", headers: [("Content-Type", "application/json")],
            body: Data(#"{"message": "What is 7*6?", "session_id": "paused-elsewhere"}"#.utf8))
        #expect(try paused.json()["status"] == "awaiting_approval", "\(paused.text)")
        let output = try WebPageTests.outputDirectory()
        var options = WebPageDriver.Options(baseURL: stack.baseURL + "/")
        options.screenshot = output.appendingPathComponent("web-page-approval-reload.png")
        options.expectText = "It is 42"
        options.expectTool = "calculator"
        options.openSession = "paused-elsewhere"
        let outcome = try await WebPageDriver.run(options, workDirectory: output)
        try WebPageDriver.skipIfChromiumCannotRun(outcome)
        WebPageDriver.expectPassed(outcome)
        let report = try #require(outcome.report, "\(outcome.explanation)\n\(stack.logs)")
        #expect(report.approval?.cardsAfter?.map(\.decision) == ["approved"], "\(outcome.explanation)")
        #expect(report.answer?.toolCards.contains { $0.tool == "calculator" && $0.status == "completed" } == true)
        let view = try await stack.client.get("/sessions/paused-elsewhere").json()
        #expect(view["pending_approvals"] == [], "\(view)")
    }
}
