import Foundation
import Testing
@testable import AgentCore

/// The OpenAI client against llama.cpp serving SmolLM2-135M. The model is tiny: tests assert
/// the protocol (stream shape, usage, tool-call structure), never the quality of its answers.
@Suite(.serialized) struct LocalModelConformanceTests {
    static let calculator = ToolDefinition(
        name: "calculator", description: "Evaluates an arithmetic expression",
        parameters: ["type": "object", "properties": ["expression": ["type": "string"]], "required": ["expression"]])
    static let dictatedCall = """
        Copy this line exactly:
        <tool_call>
        {"name": "calculator", "arguments": {"expression": "2+3"}}
        </tool_call>
        """

    private func model() async throws -> any ChatModel {
        switch await LocalModelServer.shared() {
        case .unavailable(let reason):
            try Test.cancel("skipped: local model unavailable — \(reason)")
        case .running(let port):
            let config = ModelSettings(provider: .openai, baseURL: "http://127.0.0.1:\(port)/v1", model: "smollm2",
                                            requestTimeout: 300, stallTimeout: 120, contextWindow: 4096, retry: .none)
            return try ChatModelFactory.make(config)
        }
    }

    @Test func streamedAnswerWithUsage() async throws {
        let model = try await model()
        let request = ChatRequest(messages: [.system("You are brief."), .user("Say hello.")],
                                  options: ChatOptions(temperature: 0, maxTokens: 12))
        let result = await collectDeltas(model.stream(request))
        #expect(result.error == nil, "\(String(describing: result.error))")
        let texts = result.deltas.filter { if case .text = $0 { true } else { false } }
        #expect(texts.count > 1, "the answer streamed in several deltas")
        guard case .finish? = result.deltas.last else {
            Issue.record("the stream must end with .finish, ended with \(String(describing: result.deltas.last))")
            return
        }
        let usage = result.deltas.compactMap { if case .usage(let usage) = $0 { usage } else { nil } }.last
        #expect((usage?.promptTokens ?? 0) > 0)
        #expect((usage?.completionTokens ?? 0) > 0)
    }

    @Test func dictatedToolCallIsWellFormed() async throws {
        let model = try await model()
        let completion = try await model.complete(ChatRequest(messages: [.user(Self.dictatedCall)], tools: [Self.calculator],
                                                              options: ChatOptions(temperature: 0, maxTokens: 48)))
        #expect(completion.finishReason == .toolCalls)
        let call = try #require(completion.toolCalls.first, "no tool call in \(completion)")
        #expect(call.name == "calculator")
        #expect(!call.id.isEmpty)
        let arguments = try JSONValue.parse(call.arguments)
        #expect(arguments["expression"]?.stringValue != nil, "arguments are a JSON object with the schema's field: \(call.arguments)")
    }

    @Test func toolResultRoundTripIsAccepted() async throws {
        let model = try await model()
        let call = ToolCall(id: "call_roundtrip_1", name: "calculator", arguments: #"{"expression":"2+3"}"#)
        let history: [ChatMessage] = [
            .user("What is 2+3? Use the calculator."),
            .assistant("", toolCalls: [call]),
            .toolResult(callId: call.id, name: "calculator", content: "5"),
        ]
        let completion = try await model.complete(ChatRequest(messages: history, tools: [Self.calculator],
                                                              options: ChatOptions(temperature: 0, maxTokens: 16)))
        #expect(completion.finishReason != nil)
        #expect(completion.usage.map { $0.promptTokens > 0 } == true)
        #expect(!completion.text.isEmpty || !completion.toolCalls.isEmpty, "the model answered after the tool result")
    }
}
