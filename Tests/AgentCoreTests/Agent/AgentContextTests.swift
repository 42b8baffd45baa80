import Foundation
import Testing
@testable import AgentCore

@Suite struct AgentContextTests {
    @Test func compactsWhenThePromptPassesTheThreshold() async throws {
        let model = ScriptedChatModel(contextWindow: 100, replies: [
            Reply.tools([("c1", "calculator", #"{"expression":"2+2"}"#)], prompt: 90, completion: 5),
            Reply.text("SUMMARY: user asked for 2+2", prompt: 40, completion: 8),
            Reply.text("It is 4.", prompt: 30, completion: 3),
        ])
        let agent = Agent(model: model, settings: AgentSettings(compaction: CompactionSettings(keepRecentTurns: 1)))
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(agent, message: "what is 2+2?", recorder: recorder)
        #expect(outcome.terminal == .final(content: "It is 4.", status: .completed))
        #expect(recorder.events.contains(.hidden(content: "context compacted")))
        // The summary call saw the old part as a transcript, without tools.
        let summaryRequest = model.requests[1]
        #expect(summaryRequest.tools.isEmpty)
        #expect(summaryRequest.messages.last?.content.contains("[user] what is 2+2?") == true)
        // System prompt kept, older turns replaced by the summary, the tool call still next to its result.
        #expect(outcome.history.map(\.role) == [.system, .user, .assistant, .tool, .assistant])
        #expect(outcome.history[0] == .system("You are helpful."))
        #expect(outcome.history[1].content.hasSuffix("SUMMARY: user asked for 2+2"))
        #expect(model.requests[2].messages == Array(outcome.history.dropLast()))
        let usage = try #require(outcome.usage.byModel["scripted-model"])
        #expect(usage.invocations == 3 && usage.promptTokens == 160, "the compaction call is counted")
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func contextOverflowForcesOneCompactionAndARetry() async throws {
        let model = ScriptedChatModel(replies: [
            [.fail(.contextOverflow(message: "too long"))], Reply.text("older talk about cats"), Reply.text("fine"),
        ])
        let history: [ChatMessage] = [.system("sys"), .user("tell me about cats"), .assistant("Cats are great.")]
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model), history: history, message: "and dogs?", recorder: recorder)
        #expect(outcome.terminal == .final(content: "fine", status: .completed))
        #expect(model.requests.count == 3)
        #expect(model.requests[2].messages.map(\.role) == [.system, .user, .user])
        #expect(model.requests[2].messages.last == .user("and dogs?"))
        #expect(recorder.types == ["hidden", "text_delta", "text", "final"])
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func overflowWithNothingToCompactIsAnLLMError() async throws {
        let model = ScriptedChatModel(replies: [[.fail(.contextOverflow(message: "too long"))]])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model), recorder: recorder)
        guard case .error(_, .llmError) = outcome.terminal else {
            Issue.record("expected error{llm_error}, got \(outcome.terminal)")
            return
        }
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func ephemeralToolKeepsOnlyItsLastOutputsInTheRequest() async throws {
        let spec = CommandToolSpec(name: "snap", description: "snapshot", argv: ["/bin/cat"], ephemeral: 1)
        let model = ScriptedChatModel(replies: [
            Reply.tools([("s1", "snap", #"{"n":1}"#)]), Reply.tools([("s2", "snap", #"{"n":2}"#)]), Reply.text("ok"),
        ])
        let outcome = await AgentHarness.run(Agent(model: model, tools: try ToolRegistry([CommandTool(spec: spec)])))
        let sent = model.requests[2].messages.filter { $0.role == .tool }.map(\.content)
        #expect(sent.count == 2)
        #expect(sent[0].hasPrefix("[older output of snap removed"))
        #expect(sent[1] == "{\"n\":2}\n")
        #expect(outcome.history.filter { $0.role == .tool }.map(\.content) == ["{\"n\":1}\n", "{\"n\":2}\n"],
                "the stored history keeps every output")
    }
}
