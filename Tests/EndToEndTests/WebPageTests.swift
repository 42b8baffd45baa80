import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// The chat page (web/) in a real headless Chromium, served by nginx from the project conf next
/// to the API, against the real responder and the scripted fake model: streamed text, a tool
/// card, usage, the session named after its first message, and Cancel.
@Suite struct WebPageTests {
    @Test func chatsStreamsShowsToolCardsAndCancels() async throws {
        try WebPageDriver.requireChromium()
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused"])
        defer { stack.stop() }
        try await stack.llm.script(FakeLLM.clientScript)
        let output = try Self.outputDirectory()
        var options = WebPageDriver.Options(baseURL: stack.baseURL + "/")
        options.screenshot = output.appendingPathComponent("web-page.png")
        options.message = "What is 2+3?"
        options.expectText = "is 5"
        options.expectTool = "calculator"
        options.cancelMessage = "Write a long answer, please."
        options.timeoutSeconds = 30
        options.loadTimeoutSeconds = 30
        let outcome = try await WebPageDriver.run(options, workDirectory: output)
        print("web page screenshot: \(options.screenshot!.path) (driver output in \(output.path))")
        try WebPageDriver.skipIfChromiumCannotRun(outcome)
        WebPageDriver.expectPassed(outcome)
        let report = try #require(outcome.report, "\(outcome.explanation)\n\(stack.logs)")
        let answer = try #require(report.answer)
        #expect(answer.newHighsWhileStreaming >= 3, "the text did not grow while streaming")
        #expect(answer.toolCards.contains { $0.tool == "calculator" && $0.status == "completed" && $0.durationMs != nil })
        #expect(!answer.usage.isEmpty)
        #expect(answer.thinkingBlocks == 1, "the scripted reasoning should show as one (collapsed) thinking block")
        #expect(report.sessionTitle == "What is 2+3?" && report.conversationTitle == "What is 2+3?",
                "the session is listed by its first message, not its id: \(String(describing: report.sessionTitle))")
        #expect(report.cancel?.state == "cancelled")
        #expect(report.modelPickerHidden == true, "one model allowed: nothing to pick")
        // The cancel reached the model: the responder hung up on the long answer.
        let requests = try await stack.llm.waitForRequests { $0.count >= 3 && $0[2]["closed_early"]?.boolValue == true }
        #expect(requests.count == 3 && requests[2]["closed_early"]?.boolValue == true, "\(requests)")
    }

    @Test func offersAModelPickerWhenSeveralModelsAreAllowed() async throws {
        try WebPageDriver.requireChromium()
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused", "AGENT_FCGI_MODEL_NAME": "small-model",
                                                    "AGENT_FCGI_MODEL_ALLOWED": "small-model,large-model"])
        defer { stack.stop() }
        try await stack.llm.script(["text": "Answered by the larger model, word by word, as it streams.", "token_delay_ms": 60])
        let output = try Self.outputDirectory()
        var options = WebPageDriver.Options(baseURL: stack.baseURL + "/")
        options.screenshot = output.appendingPathComponent("web-page-models.png")
        options.message = "Which model are you?"
        options.expectText = "larger model"
        options.skipCancel = true
        options.pickModel = "large-model"
        let outcome = try await WebPageDriver.run(options, workDirectory: output)
        try WebPageDriver.skipIfChromiumCannotRun(outcome)
        WebPageDriver.expectPassed(outcome)
        #expect(outcome.report?.modelPickerHidden == false)
        #expect(outcome.report?.modelsOffered == ["small-model (default)", "large-model"])
        let requests = try await stack.llm.requests()
        #expect(requests.map { $0["body"]?["model"]?.stringValue } == ["large-model"], "\(requests)")
    }

    /// Kept after the test (the screenshot is its output): .build/test-output/web-page-<uuid>.
    static func outputDirectory() throws -> URL {
        let directory = TestEnvironment.packageRoot.appendingPathComponent(".build/test-output/web-page-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
