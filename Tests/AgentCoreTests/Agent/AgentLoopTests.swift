import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct AgentLoopTests {
    @Test func plainAnswerStreamsDeltasThenTextThenFinal() async throws {
        let model = ScriptedChatModel(replies: [Reply.text(["Hel", "lo"])])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model), recorder: recorder)
        #expect(recorder.types == ["text_delta", "text_delta", "text", "final"])
        #expect(outcome.terminal == .final(content: "Hello", status: .completed))
        #expect(outcome.history.map(\.role) == [.system, .user, .assistant])
        #expect(recorder.checkpoints.last?.history == outcome.history)
        #expect(outcome.usage.byModel["scripted-model"]?.invocations == 1)
        #expect(model.requests.first?.tools.map(\.name) == ["calculator", "current_time"])
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func multiStepToolUseFeedsResultsBackAndCheckpointsEachStep() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("c1", "calculator", #"{"expression":"2 + 3"}"#)], text: "Let me compute."),
            Reply.tools([("c2", "calculator", #"{"expression":"5 * 4"}"#)]),
            Reply.text("The answer is 20."),
        ])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model), recorder: recorder)
        #expect(recorder.stepTypes == ["text", "step_start", "tool_call", "tool_result", "step_complete",
                                       "step_start", "tool_call", "tool_result", "step_complete", "text", "final"])
        #expect(recorder.events.contains(.toolCall(tool: "calculator", args: ["expression": "2 + 3"], toolCallId: "c1",
                                                   displayName: "Calculator")))
        #expect(recorder.events.contains(.toolResult(tool: "calculator", result: "5", toolCallId: "c1", isError: false,
                                                     screenshotBase64: nil)))
        // The second call saw the first result.
        let second = model.requests[1].messages
        #expect(second.last == .toolResult(callId: "c1", name: "calculator", content: "5"))
        #expect(outcome.history.map(\.role) == [.system, .user, .assistant, .tool, .assistant, .tool, .assistant])
        #expect(recorder.checkpoints.count == 3)
        #expect(outcome.usage.byModel["scripted-model"]?.invocations == 3)
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func parallelCallsOverlapAndReportInCallOrder() async throws {
        let room = RendezvousTool.Room()
        let registry = try ToolRegistry([RendezvousTool(name: "slow_a", room: room, expected: 2),
                                         RendezvousTool(name: "slow_b", room: room, expected: 2)])
        let model = ScriptedChatModel(replies: [
            Reply.tools([("a", "slow_a", "{}"), ("b", "slow_b", "{}")]), Reply.text("both done"),
        ])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model, tools: registry), recorder: recorder)
        // Each call only returns once both are inside at the same time: sequential execution
        // would leave the first one waiting until its deadline.
        #expect(room.maximum.load(ordering: .sequentiallyConsistent) == 2)
        let results = recorder.events.compactMap { event -> String? in
            if case .toolResult(_, let result, _, _, _) = event { return result }
            return nil
        }
        #expect(results == ["met a", "met b"])
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func concurrencyIsBounded() async throws {
        let counter = ProbeTool.Counter()
        let calls = (1...5).map { ("p\($0)", "probe", "{}") }
        let model = ScriptedChatModel(replies: [Reply.tools(calls), Reply.text("ok")])
        let agent = Agent(model: model, tools: try ToolRegistry([ProbeTool(counter: counter)]),
                          settings: AgentSettings(maxConcurrentTools: 2))
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(agent, recorder: recorder)
        #expect(counter.maximum.load(ordering: .sequentiallyConsistent) <= 2)
        let steps = recorder.events.compactMap { event -> Int? in
            if case .stepStart(_, _, let number) = event { return number }
            return nil
        }
        #expect(steps == [1, 2, 3, 4, 5])
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func unknownToolBadJSONAndSchemaViolationsBecomeErrorResults() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("u", "nope", "{}"), ("j", "echo", "{not json"), ("s", "echo", #"{"text":"x","count":1.5,"extra":1}"#),
                         ("ok", "echo", #"{"text":"fine","count":2}"#)]),
            Reply.text("done"),
        ])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model, tools: try ToolRegistry([EchoTool()])), recorder: recorder)
        let results = recorder.events.compactMap { event -> (String, Bool)? in
            if case .toolResult(_, let result, _, let isError, _) = event { return (result, isError) }
            return nil
        }
        try #require(results.count == 4)
        #expect(results[0].1 && results[0].0.contains("unknown tool \"nope\"") && results[0].0.contains("echo"))
        #expect(results[1].1 && results[1].0.contains("not valid JSON"))
        #expect(results[2].1 && results[2].0.contains("$.count: expected integer") && results[2].0.contains("\"extra\""))
        #expect(!results[3].1 && results[3].0 == "echo: fine [session-1/alice/ok]")
        #expect(recorder.events.contains(.toolCall(tool: "echo", args: ["_raw": "{not json"], toolCallId: "j", displayName: "echo")))
        #expect(recorder.stepStatuses == ["u": .error, "j": .error, "s": .error, "ok": .completed])
        #expect(outcome.terminal == .final(content: "done", status: .completed))
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func toolTimeoutAndToolCrashAreErrorResultsNotAbortedQueries() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("h", "hang", "{}"), ("c", "crash", "{}")]), Reply.text("recovered"),
        ])
        let registry = try ToolRegistry([HangingTool(timeout: .milliseconds(200)), CrashingTool()])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model, tools: registry), recorder: recorder)
        let results = outcome.history.filter { $0.role == .tool }
        #expect(results.map(\.content) == ["tool timed out after 0.2s", "tool crash failed: disk on fire"])
        #expect(results.allSatisfy { $0.isError })
        #expect(outcome.terminal == .final(content: "recovered", status: .completed))
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func maxIterationsEndsWithASummaryCallWithoutTools() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("c1", "calculator", #"{"expression":"1+1"}"#)]),
            Reply.tools([("c2", "calculator", #"{"expression":"2+2"}"#)]),
            Reply.text("I added numbers twice."),
        ])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model, settings: AgentSettings(maxIterations: 2)), recorder: recorder)
        #expect(outcome.terminal == .final(content: "I added numbers twice.", status: .maxIterations))
        let summaryRequest = try #require(model.requests.last)
        #expect(summaryRequest.toolChoice == .none)
        #expect(summaryRequest.messages.last?.role == .user && summaryRequest.messages.last!.content.contains("maximum number of steps"))
        #expect(!outcome.history.contains { $0.content.contains("maximum number of steps") }, "the instruction is not stored")
        #expect(outcome.usage.byModel["scripted-model"]?.invocations == 3, "the summary call is counted")
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func doneToolEndsTheQueryWithItsMessage() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("c1", "calculator", #"{"expression":"6*7"}"#)]),
            Reply.tools([("d", "done", #"{"message":"It is 42."}"#)]),
        ])
        let agent = Agent(model: model, settings: AgentSettings(requireDoneTool: true))
        #expect(agent.toolDefinitions.map(\.name) == ["calculator", "current_time", "done"])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(agent, recorder: recorder)
        #expect(model.requests.allSatisfy { $0.toolChoice == .required })
        #expect(outcome.terminal == .final(content: "It is 42.", status: .completed))
        #expect(Array(recorder.stepTypes.suffix(2)) == ["text", "final"])
        #expect(outcome.history.last == .assistant("It is 42."))
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    /// Providers hand reasoning over as `.reasoning` (their decoders split `<think>` tags out of
    /// text); reasoning after visible text opens a new block with a new id.
    @Test func reasoningBecomesThinkingBlocksWithUniqueIds() async throws {
        let model = ScriptedChatModel(replies: [[
            .delta(.reasoning("plan ")), .delta(.reasoning("it")), .delta(.text("Intro ")), .delta(.reasoning("more")),
            .delta(.text("Answer")), Reply.usage(1, 1), .delta(.finish(.stop)),
        ]])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model), recorder: recorder)
        #expect(recorder.types == ["thinking_start", "thinking_delta", "thinking_delta", "thinking_end", "text_delta",
                                   "thinking_start", "thinking_delta", "thinking_end", "text_delta",
                                   "thinking", "text", "final"])
        let thinkIds = Set(recorder.events.compactMap { event -> String? in
            if case .thinkingStart(let id) = event { return id }
            return nil
        })
        #expect(thinkIds.count == 2, "each thinking block has its own think_id")
        #expect(recorder.events.contains(.thinking(content: "plan itmore")))
        #expect(outcome.history.last == .assistant("Intro Answer", reasoning: "plan itmore"))
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    /// Through the real Anthropic client and the fake server: a tool-use turn made with thinking
    /// on is continued with thinking still on and the signed block echoed first, unchanged.
    @Test func anthropicThinkingIsEchoedWhileAToolUseTurnContinues() async throws {
        try await FakeLLM.with { server in
            try await server.script(
                ["reasoning": "I should compute", "tool_calls": [["id": "toolu_1", "name": "calculator",
                                                                  "arguments": ["expression": "6*7"]]]],
                ["reasoning": "now answer", "text": "42"])
            let settings = AgentSettings(chatOptions: ChatOptions(thinkingBudgetTokens: 1024))
            let outcome = await AgentHarness.run(Agent(model: try server.anthropic(), settings: settings))
            #expect(outcome.terminal == .final(content: "42", status: .completed))
            let requests = try await server.requests()
            #expect(requests.count == 2)
            let second = try #require(requests.last?["body"])
            #expect(second["thinking"] == ["type": "enabled", "budget_tokens": 1024])
            let turn = try #require(second["messages"]?[1]?["content"]?.arrayValue)
            #expect(turn.first?["type"] == "thinking" && turn.first?["thinking"] == "I should compute", "\(turn)")
            let signature = turn.first?["signature"]?.stringValue ?? ""
            #expect(signature.hasPrefix("sig-"), "the signature the fake signed the thinking with: \(signature)")
            #expect(turn.last?["type"] == "tool_use")
            let toolTurn = try #require(outcome.history.first { !$0.toolCalls.isEmpty })
            #expect(toolTurn.reasoningBlocks == [ReasoningBlock(thinking: "I should compute", signature: signature)])
            #expect(outcome.history.last?.reasoningBlocks == nil, "a final answer keeps no blocks")
        }
    }
}
