import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct AnthropicChatModelTests {
    static let tool = ToolDefinition(name: "calculator", description: "Evaluates arithmetic",
                                     parameters: ["type": "object", "properties": ["expression": ["type": "string"]]])

    @Test func streamsThinkingTextAndUsage() async throws {
        try await FakeLLM.with { server in
            try await server.script(["reasoning": "let me think", "text": "Four.",
                                     "usage": ["prompt_tokens": 100, "cached_tokens": 60, "cache_creation_tokens": 5,
                                               "completion_tokens": 9]])
            let request = ChatRequest(messages: [.system("Be exact."), .user("2+2?")],
                                      options: ChatOptions(temperature: 0.5, thinkingBudgetTokens: 2048))
            let result = await collectDeltas(try server.anthropic().stream(request))
            #expect(result.error == nil)
            var builder = ChatCompletionBuilder()
            result.deltas.forEach { builder.add($0) }
            let completion = builder.build()
            #expect(completion.reasoning == "let me think")
            #expect(completion.text == "Four.")
            #expect(completion.finishReason == .stop)
            #expect(completion.usage == TokenUsage(promptTokens: 165, cachedPromptTokens: 60, completionTokens: 9))

            let sent = try #require(try await server.requests().first)
            #expect(sent["path"] == "/v1/messages")
            #expect(sent["headers"]?["x-api-key"] == "test-key")
            #expect(sent["headers"]?["anthropic-version"] == "2023-06-01")
            let body = try #require(sent["body"])
            #expect(body["system"] == "Be exact.")
            #expect(body["thinking"] == ["type": "enabled", "budget_tokens": 2048])
            #expect(body["temperature"] == nil, "thinking does not allow a changed temperature")
            #expect((body["max_tokens"]?.intValue ?? 0) > 2048)
            #expect(body["messages"] == [["role": "user", "content": [["type": "text", "text": "2+2?"]]]])
        }
    }

    @Test func toolUseBlocksBecomeToolCalls() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "Calling.", "tool_calls": [
                ["id": "toolu_1", "name": "calculator", "arguments": ["expression": "6*7"]],
                ["id": "toolu_2", "name": "noargs", "arguments": ""],
            ]])
            let request = ChatRequest(messages: [.user("compute")], tools: [Self.tool], toolChoice: .required)
            let completion = try await server.anthropic().complete(request)
            #expect(completion.text == "Calling.")
            #expect(completion.finishReason == .toolCalls)
            #expect(completion.toolCalls.map(\.id) == ["toolu_1", "toolu_2"])
            #expect(try JSONValue.parse(completion.toolCalls[0].arguments) == ["expression": "6*7"])
            #expect(completion.toolCalls[1].arguments == "{}")
            let body = try #require(try await server.requests().first?["body"])
            #expect(body["tool_choice"] == ["type": "any"])
            #expect(body["tools"]?[0]?["input_schema"]?["type"] == "object")
        }
    }

    @Test func toolResultsAreMergedIntoOneUserTurn() async throws {
        try await FakeLLM.with { server in
            let history: [ChatMessage] = [
                .system("sys"), .user("do both"),
                .assistant("ok", toolCalls: [ToolCall(id: "t1", name: "a", arguments: #"{"x":1}"#),
                                             ToolCall(id: "t2", name: "b", arguments: "")]),
                .toolResult(callId: "t1", name: "a", content: "one"),
                .toolResult(callId: "t2", name: "b", content: "boom", isError: true),
            ]
            _ = try await server.anthropic().complete(ChatRequest(messages: history, tools: [Self.tool]))
            let messages = try #require(try await server.requests().first?["body"]?["messages"]?.arrayValue)
            #expect(messages.count == 3)
            #expect(messages[1]["content"]?[1] == ["type": "tool_use", "id": "t1", "name": "a", "input": ["x": 1]])
            #expect(messages[1]["content"]?[2]?["input"] == [:])
            #expect(messages[2]["role"] == "user")
            #expect(messages[2]["content"] == [
                ["type": "tool_result", "tool_use_id": "t1", "content": "one"],
                ["type": "tool_result", "tool_use_id": "t2", "content": "boom", "is_error": true],
            ])
        }
    }

    @Test func thinkingIsLeftOffOnlyWhenAToolTurnKeptNoSignedThinking() {
        let call = ToolCall(id: "t1", name: "calculator", arguments: "{}")
        let options = ChatOptions(thinkingBudgetTokens: 1024)
        let result = ChatMessage.toolResult(callId: "t1", name: "calculator", content: "5")
        let unsigned = ChatRequest(messages: [.user("x"), .assistant("", toolCalls: [call]), result], options: options)
        #expect(AnthropicChatModel.body(unsigned, model: "m")["thinking"] == nil)
        let fresh = ChatRequest(messages: unsigned.messages + [.assistant("5"), .user("again")], options: options)
        #expect(AnthropicChatModel.body(fresh, model: "m")["thinking"] == ["type": "enabled", "budget_tokens": 1024])

        let blocks = [ReasoningBlock(thinking: "use the tool", signature: "sig-1"), ReasoningBlock(redactedData: "opaque")]
        let signed = ChatRequest(messages: [.user("x"), .assistant("", toolCalls: [call], reasoningBlocks: blocks), result],
                                 options: options)
        let body = AnthropicChatModel.body(signed, model: "m")
        #expect(body["thinking"] == ["type": "enabled", "budget_tokens": 1024])
        #expect(body["messages"]?[1]?["content"] == [
            ["type": "thinking", "thinking": "use the tool", "signature": "sig-1"],
            ["type": "redacted_thinking", "data": "opaque"],
            ["type": "tool_use", "id": "t1", "name": "calculator", "input": [:]],
        ], "the signed thinking leads the turn, unchanged, before its tool calls")
    }

    @Test func signedAndRedactedThinkingAreKeptAsBlocks() async throws {
        try await FakeLLM.with { server in
            try await server.script(["events": [
                ["event": "message_start", "data": ["type": "message_start", "message": ["usage": ["input_tokens": 3]]]],
                ["event": "content_block_start",
                 "data": ["type": "content_block_start", "index": 0, "content_block": ["type": "thinking", "thinking": ""]]],
                ["event": "content_block_delta",
                 "data": ["type": "content_block_delta", "index": 0, "delta": ["type": "thinking_delta", "thinking": "first "]]],
                ["event": "content_block_delta",
                 "data": ["type": "content_block_delta", "index": 0, "delta": ["type": "thinking_delta", "thinking": "idea"]]],
                ["event": "content_block_delta",
                 "data": ["type": "content_block_delta", "index": 0, "delta": ["type": "signature_delta", "signature": "EqQB"]]],
                ["event": "content_block_stop", "data": ["type": "content_block_stop", "index": 0]],
                ["event": "content_block_start", "data": ["type": "content_block_start", "index": 1,
                                                          "content_block": ["type": "redacted_thinking", "data": "EmwK"]]],
                ["event": "content_block_stop", "data": ["type": "content_block_stop", "index": 1]],
                ["event": "content_block_start",
                 "data": ["type": "content_block_start", "index": 2, "content_block": ["type": "text", "text": ""]]],
                ["event": "content_block_delta",
                 "data": ["type": "content_block_delta", "index": 2, "delta": ["type": "text_delta", "text": "Done."]]],
                ["event": "content_block_stop", "data": ["type": "content_block_stop", "index": 2]],
                ["event": "message_delta", "data": ["type": "message_delta", "delta": ["stop_reason": "end_turn"],
                                                    "usage": ["output_tokens": 7]]],
                ["event": "message_stop", "data": ["type": "message_stop"]],
            ]])
            let completion = try await server.anthropic().complete(ChatRequest(messages: [.user("think")]))
            #expect(completion.reasoning == "first idea")
            #expect(completion.reasoningBlocks == [ReasoningBlock(thinking: "first idea", signature: "EqQB"),
                                                   ReasoningBlock(redactedData: "EmwK")])
            #expect(completion.text == "Done.")
            #expect(completion.assistantMessage.reasoningBlocks == completion.reasoningBlocks)
        }
    }

    @Test func aStoredMessageWithoutReasoningBlocksStillDecodes() throws {
        let stored = #"{"role":"assistant","content":"hi","toolCalls":[],"isError":false,"reasoning":"r"}"#
        let message = try JSONDecoder().decode(ChatMessage.self, from: Data(stored.utf8))
        #expect(message == .assistant("hi", reasoning: "r"))
        #expect(message.reasoningBlocks == nil)
        let kept = ChatMessage.assistant("", toolCalls: [ToolCall(id: "t", name: "n", arguments: "{}")],
                                         reasoningBlocks: [ReasoningBlock(thinking: "x", signature: "s")])
        #expect(try JSONDecoder().decode(ChatMessage.self, from: JSONEncoder().encode(kept)) == kept)
    }

    @Test func errorEventIsMapped() async throws {
        try await FakeLLM.with { server in
            try await server.script(["events": [
                ["event": "message_start", "data": ["type": "message_start", "message": ["usage": ["input_tokens": 3]]]],
                ["event": "error", "data": ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]],
            ]])
            let result = await collectDeltas(try server.anthropic().stream(ChatRequest(messages: [.user("hi")])))
            guard case .server(529, _)? = result.error as? LLMError else {
                Issue.record("expected server(529), got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func streamWithoutMessageStopIsAnError() async throws {
        try await FakeLLM.with { server in
            try await server.script(["events": [
                ["event": "message_start", "data": ["type": "message_start", "message": ["usage": ["input_tokens": 3]]]],
                ["event": "content_block_start", "data": ["type": "content_block_start", "index": 0,
                                                          "content_block": ["type": "text", "text": ""]]],
                ["event": "content_block_delta", "data": ["type": "content_block_delta", "index": 0,
                                                          "delta": ["type": "text_delta", "text": "half"]]],
            ]])
            let result = await collectDeltas(try server.anthropic().stream(ChatRequest(messages: [.user("hi")])))
            #expect(result.deltas == [.text("half")])
            guard case .connection? = result.error as? LLMError else {
                Issue.record("expected connection error, got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func promptTooLongIsContextOverflow() async throws {
        try await FakeLLM.with { server in
            try await server.script(["status": 400, "json": ["type": "error", "error": [
                "type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"]]])
            let result = await collectDeltas(try server.anthropic().stream(ChatRequest(messages: [.user("hi")])))
            guard case .contextOverflow? = result.error as? LLMError else {
                Issue.record("expected contextOverflow, got \(String(describing: result.error))")
                return
            }
        }
    }
}
