import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// `response_format` and image parts in each provider's own form, against the fake LLM server.
@Suite struct ProviderOutputTests {
    static let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
    static let format = ResponseFormat.jsonSchema(name: "place", schema: schema, strict: nil, description: nil)
    static let tool = ToolDefinition(name: "calculator", description: "Evaluates arithmetic",
                                     parameters: ["type": "object", "properties": ["expression": ["type": "string"]]])
    static let png = "data:image/png;base64,iVBORw0KGgo="

    @Test func openAIGetsResponseFormatAndImagePartsAsTheyAre() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": #"{"city":"Rome"}"#])
            let message = ChatMessage.user(parts: [.text("Where?"), .image(url: Self.png, detail: "high")])
            let completion = try await server.openAI().complete(ChatRequest(messages: [message], responseFormat: Self.format))
            #expect(completion.text == #"{"city":"Rome"}"#)
            let body = try #require(try await server.requests().first?["body"])
            #expect(body["response_format"] == ["type": "json_schema", "json_schema": ["name": "place", "schema": Self.schema]])
            #expect(body["messages"] == [["role": "user", "content": [
                ["type": "text", "text": "Where?"], ["type": "image_url", "image_url": ["url": .string(Self.png), "detail": "high"]],
            ]]])
        }
    }

    @Test func anthropicAnswersThroughAForcedToolWhoseInputIsTheAnswer() async throws {
        try await FakeLLM.with { server in
            try await server.script(["tool_calls": [["name": "final_answer", "arguments": ["city": "Lima"]]]])
            let completion = try await server.anthropic().complete(ChatRequest(messages: [.user("Where?")],
                                                                               responseFormat: Self.format))
            #expect(try JSONValue.parse(completion.text) == ["city": "Lima"])
            #expect(completion.toolCalls.isEmpty && completion.finishReason == .stop)
            let body = try #require(try await server.requests().first?["body"])
            #expect(body["tool_choice"] == ["type": "tool", "name": "final_answer"])
            #expect(body["tools"]?[0]?["input_schema"] == Self.schema)
        }
    }

    @Test func anthropicMayStillCallTheAgentsToolsBeforeAnswering() async throws {
        try await FakeLLM.with { server in
            try await server.script(["tool_calls": [["name": "calculator", "arguments": ["expression": "1+1"]]]])
            let completion = try await server.anthropic().complete(ChatRequest(messages: [.user("Where?")], tools: [Self.tool],
                                                                               responseFormat: Self.format))
            #expect(completion.toolCalls.map(\.name) == ["calculator"] && completion.text.isEmpty)
            let body = try #require(try await server.requests().first?["body"])
            #expect(body["tool_choice"] == ["type": "any"])
            #expect(body["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["calculator", "final_answer"])
        }
    }

    @Test func anthropicWrapsASchemaThatIsNotAnObject() async throws {
        try await FakeLLM.with { server in
            try await server.script(["tool_calls": [["name": "final_answer", "arguments": ["value": ["a", "b"]]]]])
            let list = ResponseFormat.jsonSchema(name: "list", schema: ["type": "array", "items": ["type": "string"]],
                                                 strict: nil, description: nil)
            let completion = try await server.anthropic().complete(ChatRequest(messages: [.user("Two letters")],
                                                                               responseFormat: list))
            #expect(try JSONValue.parse(completion.text) == ["a", "b"])
            let body = try #require(try await server.requests().first?["body"])
            #expect(body["tools"]?[0]?["input_schema"]?["properties"]?["value"] == ["type": "array", "items": ["type": "string"]])
        }
    }

    @Test func anthropicGetsImageBlocks() {
        let message = ChatMessage.user(parts: [.text("Compare"), .image(url: Self.png, detail: nil),
                                               .image(url: "https://example.org/cat.webp", detail: "low")])
        let turns = AnthropicChatModel.messages([message])
        #expect(turns == [["role": "user", "content": [
            ["type": "text", "text": "Compare"],
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]],
            ["type": "image", "source": ["type": "url", "url": "https://example.org/cat.webp"]],
        ]]])
        let body = AnthropicChatModel.body(ChatRequest(messages: [message], options: ChatOptions(thinkingBudgetTokens: 2048),
                                                       responseFormat: .jsonObject), model: "m")
        #expect(body["thinking"] == nil, "thinking cannot be on while a tool is forced")
    }
}
