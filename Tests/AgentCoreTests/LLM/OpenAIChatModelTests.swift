import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct OpenAIChatModelTests {
    static let hello = ChatRequest(messages: [.system("Be brief."), .user("Say hello")])

    @Test func streamsTextWithUsageAndFinish() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "Hello there, friend.",
                                     "usage": ["prompt_tokens": 12, "completion_tokens": 4, "cached_tokens": 8]])
            let result = await collectDeltas(try server.openAI().stream(Self.hello))
            #expect(result.error == nil)
            var builder = ChatCompletionBuilder()
            result.deltas.forEach { builder.add($0) }
            let completion = builder.build()
            #expect(completion.text == "Hello there, friend.")
            #expect(completion.usage == TokenUsage(promptTokens: 12, cachedPromptTokens: 8, completionTokens: 4))
            #expect(result.deltas.last == .finish(.stop))
            #expect(result.deltas.filter { if case .text = $0 { true } else { false } }.count == 3, "one delta per streamed word")
        }
    }

    @Test func requestCarriesModelMessagesToolsAndStreamOptions() async throws {
        try await FakeLLM.with { server in
            let tool = ToolDefinition(name: "calculator", description: "Evaluates arithmetic",
                                      parameters: ["type": "object", "properties": ["expression": ["type": "string"]]])
            let request = ChatRequest(
                messages: [.system("sys"), .user("add"),
                           .assistant("", toolCalls: [ToolCall(id: "call_1", name: "calculator", arguments: #"{"expression":"2+3"}"#)]),
                           .toolResult(callId: "call_1", name: "calculator", content: "5")],
                tools: [tool], toolChoice: .tool("calculator"), options: ChatOptions(temperature: 0.2, maxTokens: 50, stop: ["END"]))
            _ = try await server.openAI().complete(request)
            let recorded = try await server.requests()
            let sent = try #require(recorded.first)
            #expect(sent["path"] == "/v1/chat/completions")
            #expect(sent["headers"]?["authorization"] == "Bearer test-key")
            let body = try #require(sent["body"])
            #expect(body["model"] == "fake-model")
            #expect(body["stream"] == true)
            #expect(body["stream_options"]?["include_usage"] == true)
            #expect(body["temperature"] == 0.2)
            #expect(body["max_tokens"] == 50)
            #expect(body["stop"] == ["END"])
            #expect(body["tool_choice"] == ["type": "function", "function": ["name": "calculator"]])
            #expect(body["tools"]?[0]?["function"]?["name"] == "calculator")
            let messages = try #require(body["messages"]?.arrayValue)
            #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["system", "user", "assistant", "tool"])
            #expect(messages[2]["content"] == .null)
            #expect(messages[2]["tool_calls"]?[0]?["function"]?["arguments"] == #"{"expression":"2+3"}"#)
            #expect(messages[3]["tool_call_id"] == "call_1")
            #expect(messages[3]["content"] == "5")
        }
    }

    @Test func reasoningFromBothFieldsAndThinkTags() async throws {
        try await FakeLLM.with { server in
            try await server.script(
                ["reasoning": "first think", "text": "done"],
                ["reasoning": "other channel", "reasoning_field": "reasoning", "text": "ok"],
                ["text": "<think>\nsplit reasoning here</think>\n\nvisible answer", "chunk_size": 3])
            let model = try server.openAI()
            let first = try await model.complete(Self.hello)
            #expect(first.reasoning == "first think")
            #expect(first.text == "done")
            let second = try await model.complete(Self.hello)
            #expect(second.reasoning == "other channel")
            let third = try await model.complete(Self.hello)
            #expect(third.reasoning == "\nsplit reasoning here")
            #expect(third.text == "visible answer")
        }
    }

    @Test func toolCallsAssembledFromFragments() async throws {
        try await FakeLLM.with { server in
            try await server.script(["tool_calls": [
                ["id": "call_a", "name": "calculator", "arguments": ["expression": "2+3"]],
                ["id": "call_b", "name": "clock", "arguments": ["zone": "UTC", "format": "iso"]],
            ]])
            let result = await collectDeltas(try server.openAI().stream(Self.hello))
            #expect(result.error == nil)
            let fragments = result.deltas.filter { if case .toolCallArguments = $0 { true } else { false } }
            #expect(fragments.count > 4, "arguments arrive in pieces")
            var builder = ChatCompletionBuilder()
            result.deltas.forEach { builder.add($0) }
            let completion = builder.build()
            #expect(completion.finishReason == .toolCalls)
            #expect(completion.toolCalls.map(\.id) == ["call_a", "call_b"])
            #expect(completion.toolCalls.map(\.name) == ["calculator", "clock"])
            #expect(try JSONValue.parse(completion.toolCalls[0].arguments) == ["expression": "2+3"])
            #expect(try JSONValue.parse(completion.toolCalls[1].arguments) == ["zone": "UTC", "format": "iso"])
        }
    }

    @Test func reasoningTokensAreNotCountedTwice() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "x", "usage": ["prompt_tokens": 10, "completion_tokens": 30, "reasoning_tokens": 20]])
            let usage = try #require(try await server.openAI().complete(Self.hello).usage)
            #expect(usage.completionTokens == 30)
            #expect(usage.reasoningTokens == 20)
            #expect(usage.totalTokens == 40)
        }
    }

    @Test func streamCutMidwayIsAConnectionError() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "one two three four five", "cut_after": 3])
            let result = await collectDeltas(try server.openAI().stream(Self.hello))
            #expect(result.deltas.contains(.text("one ")))
            guard case .connection? = result.error as? LLMError else {
                Issue.record("expected LLMError.connection, got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func streamEndingWithoutFinishOrDoneIsAnError() async throws {
        try await FakeLLM.with { server in
            try await server.script(["events": [["choices": [["index": 0, "delta": ["content": "partial"]]]]]])
            let result = await collectDeltas(try server.openAI().stream(Self.hello))
            #expect(result.deltas == [.text("partial")])
            guard case .connection? = result.error as? LLMError else {
                Issue.record("expected LLMError.connection, got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func invalidJSONChunkIsBadResponse() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "fine so far", "invalid_json_at": 2])
            let result = await collectDeltas(try server.openAI().stream(Self.hello))
            guard case .badResponse? = result.error as? LLMError else {
                Issue.record("expected LLMError.badResponse, got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func stallBecomesTimeout() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "a b c", "stall_after": 2, "stall_ms": 20000])
            let model = try ChatModelFactory.make(server.configuration(.openai, stallTimeout: 1))
            let result = await collectDeltas(model.stream(Self.hello))
            guard case .timeout? = result.error as? LLMError else {
                Issue.record("expected LLMError.timeout, got \(String(describing: result.error))")
                return
            }
            let recorded = try await server.waitForRequests { $0.first?["closed_early"] == true }
            #expect(recorded.first?["closed_early"] == true, "the stalled connection was closed by the client")
        }
    }

    @Test func slowTokensArriveIncrementally() async throws {
        // Not while another test loads the one curl thread with hundreds of streams (see CurlLoopTurns).
        try await CurlLoopTurns.exclusively { try await FakeLLM.with { server in
            // 40 tokens 150 ms apart (6 s): long enough that a loaded machine pausing this task for
            // a while cannot make them look like one burst. (At 20 tokens, the first seconds of the
            // parallel suite — servers and PostgreSQL clusters starting on 2 cores — once held the
            // reader for 2.6 s, nearly the whole stream.)
            let words = (1...40).map { "w\($0)" }.joined(separator: " ")
            try await server.script(["text": .string(words), "token_delay_ms": 150])
            var arrivals: [ContinuousClock.Instant] = []
            var text = ""
            let requested = ContinuousClock.now
            for try await delta in try server.openAI().stream(Self.hello) {
                if case .text(let piece) = delta {
                    arrivals.append(.now)
                    text += piece
                }
            }
            #expect(text == words)
            let first = try #require(arrivals.first)
            let spread = try #require(arrivals.last) - first
            // Either proves the tokens were not held until the end: they arrived spread out, or the
            // first arrived while the server was still 1.5 s from sending the last. A loaded machine
            // can pause this task and make the tail arrive in one burst, but not both at once.
            let firstWait = first - requested
            #expect(spread > .seconds(1) || firstWait < .milliseconds(1_500),
                    "tokens arrived over time, not in one burst (spread \(spread), first after \(firstWait))")
        } }
    }

    @Test func nonStreamedJSONAnswerIsAccepted() async throws {
        try await FakeLLM.with { server in
            try await server.script(["json": ["choices": [["index": 0, "finish_reason": "tool_calls", "message": [
                "role": "assistant", "content": "calling",
                "tool_calls": [["id": "c1", "type": "function", "function": ["name": "calculator", "arguments": "{}"]]]]]],
                "usage": ["prompt_tokens": 3, "completion_tokens": 2]]])
            let completion = try await server.openAI().complete(Self.hello)
            #expect(completion.text == "calling")
            #expect(completion.toolCalls == [ToolCall(id: "c1", name: "calculator", arguments: "{}")])
            #expect(completion.finishReason == .toolCalls)
            #expect(completion.usage?.promptTokens == 3)
        }
    }

    @Test func midStreamErrorObjectIsMapped() async throws {
        try await FakeLLM.with { server in
            try await server.script(["events": [["error": ["message": "This model's maximum context length is 8192 tokens",
                                                          "type": "invalid_request_error"]]]])
            let result = await collectDeltas(try server.openAI().stream(Self.hello))
            guard case .contextOverflow? = result.error as? LLMError else {
                Issue.record("expected contextOverflow, got \(String(describing: result.error))")
                return
            }
        }
    }
}
