import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// OpenAI client against /v1.
///
/// The official `openai` Python client (PyPI, pinned by scripts/openai-client) against the
/// agent's `/v1` through real nginx: what any OpenAI application would do.
@Suite struct OpenAIClientTests {
    static let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/openai/openai_client.py").path
    static let runner = TestEnvironment.packageRoot.appendingPathComponent("scripts/openai-client").path

    /// Runs one scenario of openai_client.py and decodes the JSON it prints; skips the test
    /// when the client cannot be installed (PyPI unreachable).
    static func run(_ scenario: String, against agent: TestStack) async throws -> JSONValue {
        let process = try ManagedProcess(runner, [script, "http://127.0.0.1:\(agent.webServer.port)", scenario],
                                         logPath: agent.directory + "/openai-\(scenario).log")
        let code = await OpenAPITests.waitForExit(process, timeout: 360)
        if code == 77 { try Test.cancel("skipped: the openai client could not be installed from PyPI:\n\(process.log)") }
        guard code == 0 else {
            throw TestFailure("openai_client.py \(scenario) exited \(String(describing: code)):\n\(process.log)\n\(agent.logs)")
        }
        guard let line = process.log.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw TestFailure("openai_client.py \(scenario) printed no JSON:\n\(process.log)")
        }
        return try JSONValue.parse(Data(line.utf8))
    }

    /// Models.list() shows the agent and one agent:<name> per allowed model.
    @Test func listsModels() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_MODEL_ALLOWED": "other-model,big-model"])
        defer { agent.stop() }
        let out = try await Self.run("models", against: agent)
        #expect(out["ids"] == ["agent", "agent:fake-model", "agent:other-model", "agent:big-model"], "\(out)")
    }

    /// A non-streaming answer that used a server-side tool comes back as content, without tool_calls.
    @Test func nonStreamingAnswerUsedAServerSideTool() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(
            ["tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"]]],
             "usage": ["prompt_tokens": 30, "completion_tokens": 8]],
            ["text": "2+3 is 5.", "usage": ["prompt_tokens": 45, "completion_tokens": 6]])
        let out = try await Self.run("complete", against: agent)
        #expect(out["object"] == "chat.completion" && out["model"] == "agent" && out["role"] == "assistant", "\(out)")
        #expect(out["content"] == "2+3 is 5.")
        #expect(out["tool_calls"] == [], "the client never defined the agent's tools")
        #expect(out["finish_reason"] == "stop")
        #expect(out["usage"]?["prompt_tokens"] == 75 && out["usage"]?["completion_tokens"] == 14 && out["usage"]?["total_tokens"] == 89,
                "usage is the query's two model calls: \(String(describing: out["usage"]))")
        // The tool ran on the server: its result went back to the model.
        let requests = try await agent.llm.requests()
        #expect(requests.count == 2)
        let toolMessage = requests.last?["body"]?["messages"]?.arrayValue?.last
        #expect(toolMessage?["role"] == "tool" && toolMessage?["content"] == "5", "\(String(describing: toolMessage))")
    }

    /// A streamed answer arrives in chunks, with usage in the last one.
    @Test func streamedAnswerWithUsage() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": "one two three four five", "usage": ["prompt_tokens": 12, "completion_tokens": 5]])
        let out = try await Self.run("stream", against: agent)
        #expect(out["content"] == "one two three four five", "\(out)")
        #expect((out["pieces"]?.arrayValue?.count ?? 0) >= 5, "the text streamed in pieces: \(String(describing: out["pieces"]))")
        #expect(out["finish_reason"] == "stop")
        #expect(out["usage"]?["prompt_tokens"] == 12 && out["usage"]?["completion_tokens"] == 5 && out["usage"]?["total_tokens"] == 17)
        #expect(out["tool_calls_seen"] == nil)
    }

    /// X-Session-Id continues the conversation: only the new user message is added to the stored session.
    @Test func conversationContinuedWithSessionId() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let out = try await Self.run("session", against: agent)
        let session = try #require(out["session_id"]?.stringValue, "\(out)")
        #expect(APIContractTests.isUUID(session))
        #expect(out["first"] == "echo: Remember the number 42.")
        #expect(out["second"] == "echo: Which number did I ask you to remember?")
        let second = try #require(try await agent.llm.requests().last?["body"]?["messages"]?.arrayValue)
        #expect(second.map { $0["role"]?.stringValue ?? "?" } == ["system", "user", "assistant", "user"])
        #expect(second.first?["content"] == "You are terse.", "the call's system message became the session's prompt")
        #expect(second[1]["content"] == "Remember the number 42.")
        let history = try await agent.client.get("/sessions/\(session)/messages").json()
        #expect(history["total"] == 4, "\(history)")
        let usage = try await agent.client.get("/agent/usage/\(session)").json()
        #expect(usage["usage"]?["by_model"]?["fake-model"]?["invocations"] == 2)
    }

    /// An unknown model raises the client's NotFoundError with OpenAI's error body.
    @Test func unknownModelRaisesNotFound() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let out = try await Self.run("error", against: agent)
        #expect(out["raised"] == "NotFoundError" && out["status"] == 404 && out["code"] == "model_not_found", "\(out)")
    }
}
