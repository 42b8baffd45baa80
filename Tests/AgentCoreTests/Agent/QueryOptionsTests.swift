import Foundation
import Testing
@testable import AgentCore

/// A query's options reaching the model: the chosen model, the tool subset, sampling overrides,
/// image parts, and `response_format` checked with one retry.
@Suite struct QueryOptionsTests {
    static let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"],
                                    "additionalProperties": false]
    static let format = ResponseFormat.jsonSchema(name: "place", schema: schema, strict: true, description: nil)

    static func run(_ agent: Agent, _ input: QueryInput, recorder: RunRecorder = RunRecorder()) async -> QueryOutcome {
        await agent.run(context: AgentHarness.context, history: [.system("sys")], input: input, usage: SessionUsage(),
                        emit: { recorder.emit($0) }, checkpoint: { try recorder.checkpoint($0) })
    }

    @Test func theChosenModelAnswersAndUsageIsCountedUnderItsName() async throws {
        let primary = ScriptedChatModel(modelName: "primary", replies: [Reply.text("from primary")])
        let other = ScriptedChatModel(modelName: "other", replies: [Reply.text("from other")])
        let agent = Agent(model: primary, alternatives: [other])
        #expect(agent.modelNames == ["primary", "other"])
        let outcome = await Self.run(agent, QueryInput(text: "hi", options: QueryOptions(model: "other")))
        #expect(outcome.terminal.responseText == "from other")
        #expect(primary.requests.isEmpty && other.requests.count == 1)
        #expect(Set(outcome.usage.byModel.keys) == ["other"])
        // No choice, or a name no longer allowed: the default model.
        let fallback = await Self.run(agent, QueryInput(text: "hi", options: QueryOptions(model: "removed-by-reload")))
        #expect(fallback.terminal.responseText == "from primary")
    }

    @Test func aToolSubsetIsAllTheModelIsOffered() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("a"), Reply.text("b")])
        let agent = Agent(model: model)
        _ = await Self.run(agent, QueryInput(text: "hi", options: QueryOptions(tools: ["current_time"])))
        _ = await Self.run(agent, QueryInput(text: "hi", options: QueryOptions(tools: [])))
        #expect(model.requests[0].tools.map(\.name) == ["current_time"])
        #expect(model.requests[1].tools.isEmpty, "tools: [] offers none")
    }

    @Test func aCallToAToolTheQueryDidNotOfferIsRefused() async throws {
        let model = ScriptedChatModel(replies: [Reply.tools([("c1", "calculator", #"{"expression":"1+1"}"#)]),
                                                Reply.text("done")])
        let recorder = RunRecorder()
        let outcome = await Self.run(Agent(model: model), QueryInput(text: "hi", options: QueryOptions(tools: ["current_time"])),
                                     recorder: recorder)
        #expect(recorder.events.contains { if case .toolResult(_, let result, _, true, _) = $0 {
            return result.contains("unknown tool \"calculator\"") } else { return false } })
        #expect(model.requests[1].tools.map(\.name) == ["current_time"], "the next call offers the subset again")
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func noToolsWithToolCallsInTheHistoryDeclaresThemAndAllowsNone() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("plain")])
        let history: [ChatMessage] = [.system("sys"), .user("2+2?"),
                                      .assistant("", toolCalls: [ToolCall(id: "c0", name: "calculator", arguments: "{}")]),
                                      .toolResult(callId: "c0", name: "calculator", content: "4"), .assistant("4")]
        _ = await Agent(model: model).run(context: AgentHarness.context, history: history,
                                          input: QueryInput(text: "again", options: QueryOptions(tools: [])),
                                          usage: SessionUsage(), emit: { _ in }, checkpoint: { _ in })
        // Providers refuse tool calls in a history when a request declares no tools.
        #expect(model.requests[0].tools.map(\.name) == ["calculator", "current_time"])
        #expect(model.requests[0].toolChoice == ToolChoice.none)
    }

    @Test func samplingOverridesReplaceTheConfiguredOptions() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("a")])
        let agent = Agent(model: model, settings: AgentSettings(chatOptions: ChatOptions(temperature: 0.2, maxTokens: 100)))
        _ = await Self.run(agent, QueryInput(text: "hi", options: QueryOptions(maxTokens: 7, temperature: 1.5)))
        #expect(model.requests[0].options.maxTokens == 7 && model.requests[0].options.temperature == 1.5)
    }

    @Test func imagePartsStayInTheHistoryAndGoToTheModel() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("a red square")])
        let parts: [ContentPart] = [.text("What is this?"), .image(url: "data:image/png;base64,iVBORw0KGgo=", detail: "low")]
        let outcome = await Self.run(Agent(model: model), QueryInput(message: .user(parts: parts)))
        let sent = try #require(model.requests.first?.messages.last)
        #expect(sent.parts == parts && sent.content == "What is this?")
        #expect(outcome.history[1].parts == parts)
    }

    @Test func aValidAnswerIsAcceptedAndAFenceAroundItRemoved() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("```json\n{\"city\": \"Paris\"}\n```")])
        let outcome = await Self.run(Agent(model: model), QueryInput(text: "where?", options: QueryOptions(responseFormat: Self.format)))
        #expect(outcome.terminal == .final(content: #"{"city": "Paris"}"#, status: .completed))
        #expect(model.requests.count == 1)
        #expect(model.requests[0].responseFormat == Self.format)
    }

    @Test func aMismatchIsAskedOnceMoreWithTheProblem() async throws {
        let model = ScriptedChatModel(replies: [Reply.text(#"{"town": "Paris"}"#), Reply.text(#"{"city": "Paris"}"#)])
        let recorder = RunRecorder()
        let outcome = await Self.run(Agent(model: model), QueryInput(text: "where?", options: QueryOptions(responseFormat: Self.format)),
                                     recorder: recorder)
        #expect(outcome.terminal == .final(content: #"{"city": "Paris"}"#, status: .completed))
        let retry = try #require(model.requests.last)
        #expect(model.requests.count == 2 && retry.toolChoice == .none)
        let correction = try #require(retry.messages.last)
        #expect(correction.role == .user && correction.content.contains("missing required property \"city\""), "\(correction.content)")
        #expect(retry.messages.dropLast().last == .assistant(#"{"town": "Paris"}"#))
        // The failed attempt and the correction are not kept: the history holds the answer.
        #expect(outcome.history.map(\.role) == [.system, .user, .assistant])
        #expect(outcome.history.last?.content == #"{"city": "Paris"}"#)
        #expect(recorder.events.contains { if case .hidden(let note) = $0 { return note.hasPrefix("response_format") } else { return false } })
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func aSecondMismatchEndsTheQueryNamingResponseFormat() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("Paris!"), Reply.text(#"{"city": 7}"#)])
        let recorder = RunRecorder()
        let outcome = await Self.run(Agent(model: model), QueryInput(text: "where?", options: QueryOptions(responseFormat: Self.format)),
                                     recorder: recorder)
        guard case .error(let message, .llmError) = outcome.terminal else {
            Issue.record("expected an llm_error, got \(outcome.terminal)")
            return
        }
        #expect(message.hasPrefix("response_format") && message.contains("$.city: expected string"), "\(message)")
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func checksJSONObjectsAndSchemas() {
        #expect(ResponseFormat.jsonObject.check(" {\"a\": 1} ") == .success("{\"a\": 1}"))
        #expect(ResponseFormat.jsonObject.check("[1]") == .failure(.init(problems: ["$: expected a JSON object, got array"])))
        guard case .failure(let notJSON) = ResponseFormat.jsonObject.check("sure! {") else {
            Issue.record("text is not JSON")
            return
        }
        #expect(notJSON.description.hasPrefix("the answer is not valid JSON"))
        #expect(Self.format.check(#"{"city":"Oslo","extra":1}"#)
                == .failure(.init(problems: [#"$: unexpected property "extra" (allowed: city)"#])))
    }
}
