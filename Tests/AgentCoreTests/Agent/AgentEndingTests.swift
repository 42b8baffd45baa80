import Foundation
import Testing
@testable import AgentCore

/// Every way a query can end leaves exactly one terminal event and a history the next query can use.
@Suite struct AgentEndingTests {
    /// Retries are the model client's job: the scripted model behind `RetryingChatModel`, three
    /// attempts in all (one call and two retries), no waiting.
    static func retrying(_ model: ScriptedChatModel) -> RetryingChatModel {
        RetryingChatModel(base: model, policy: RetryPolicy(maxAttempts: 3, baseDelay: 0, jitter: 0))
    }

    @Test func modelErrorAfterRetriesEndsWithLLMErrorAndAClosedTurn() async throws {
        let failure = LLMError.server(status: 503, message: "overloaded")
        let model = ScriptedChatModel(replies: [[.fail(failure)], [.fail(failure)], [.fail(failure)]])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: Self.retrying(model)), recorder: recorder)
        #expect(model.requests.count == 3, "one call and two retries")
        guard case .error(let message, .llmError) = outcome.terminal else {
            Issue.record("expected error{llm_error}, got \(outcome.terminal)")
            return
        }
        #expect(message.contains("overloaded"))
        #expect(outcome.history.map(\.role) == [.system, .user, .assistant])
        #expect(outcome.history[1] == .user("hi"), "the user's message is kept")
        #expect(outcome.history[2].content.hasPrefix("(No answer: the model call failed"))
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func retryableErrorIsRetriedAndNonRetryableIsNot() async throws {
        let flaky = ScriptedChatModel(replies: [[.fail(.rateLimited(retryAfter: nil, message: "slow down"))], Reply.text("ok")])
        let recovered = await AgentHarness.run(Agent(model: Self.retrying(flaky)))
        #expect(recovered.terminal == .final(content: "ok", status: .completed))

        let denied = ScriptedChatModel(replies: [[.fail(.authentication(status: 401, message: "bad key"))], Reply.text("never")])
        let recorder = RunRecorder()
        let failed = await AgentHarness.run(Agent(model: Self.retrying(denied)), recorder: recorder)
        #expect(denied.requests.count == 1)
        #expect(recorder.types == ["error"])
        AgentHarness.expectWellFormed(recorder.events, failed)
    }

    @Test func failureAfterStreamedTextIsNotRetried() async throws {
        let model = ScriptedChatModel(replies: [
            [.delta(.text("Half an ans")), .fail(.connection(message: "reset by peer"))], Reply.text("again"),
        ])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: Self.retrying(model)), recorder: recorder)
        #expect(model.requests.count == 1, "a retry would repeat deltas the client already has")
        #expect(recorder.types == ["text_delta", "error"])
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func modelErrorAfterAToolStepKeepsTheStepAndClosesTheTurn() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("c1", "calculator", #"{"expression":"1+2"}"#)]), [.fail(.badRequest(status: 400, message: "nope"))],
        ])
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(Agent(model: model), recorder: recorder)
        #expect(outcome.history.map(\.role) == [.system, .user, .assistant, .tool, .assistant])
        #expect(recorder.checkpoints.count == 1, "the completed step was checkpointed")
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func cancellationAtATokenBoundaryKeepsThePartialAnswer() async throws {
        let model = ScriptedChatModel(replies: [[.delta(.text("Partial ")), .delta(.text("answer")), .hang]])
        let recorder = RunRecorder(trigger: { $0 == .textDelta(delta: "answer") })
        let outcome = await AgentHarness.runAndCancel(Agent(model: model), recorder: recorder)
        #expect(outcome.terminal == .final(content: "Partial answer", status: .cancelled))
        #expect(recorder.types == ["text_delta", "text_delta", "text", "final"])
        #expect(outcome.history.last == .assistant("Partial answer"))
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func cancellationAtAToolBoundaryFillsCancelledResults() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("e", "echo", #"{"text":"quick"}"#), ("h", "hang", "{}"), ("h2", "hang", "{}")]), Reply.text("never"),
        ])
        let registry = try ToolRegistry([EchoTool(), HangingTool()])
        let recorder = RunRecorder(trigger: {
            if case .toolCall(_, _, "h", _) = $0 { return true }
            return false
        })
        let outcome = await AgentHarness.runAndCancel(Agent(model: model, tools: registry), recorder: recorder)
        #expect(model.requests.count == 1)
        #expect(outcome.terminal == .final(content: "", status: .cancelled))
        let results = outcome.history.filter { $0.role == .tool }
        #expect(results.map(\.content) == ["echo: quick [session-1/alice/e]", "cancelled", "cancelled"])
        #expect(recorder.stepStatuses == ["e": .completed, "h": .cancelled, "h2": .cancelled])
        #expect(outcome.history.last?.role == .assistant)
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func queryDeadlineEndsWithTimeoutError() async throws {
        let model = ScriptedChatModel(replies: [Reply.tools([("h", "hang", "{}")]), Reply.text("never")])
        let agent = Agent(model: model, tools: try ToolRegistry([HangingTool()]),
                          settings: AgentSettings(queryTimeout: .milliseconds(300)))
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(agent, recorder: recorder)
        guard case .error(_, .timeout) = outcome.terminal else {
            Issue.record("expected error{timeout}, got \(outcome.terminal)")
            return
        }
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func failingCheckpointEndsWithInternalError() async throws {
        let model = ScriptedChatModel(replies: [Reply.tools([("c1", "calculator", #"{"expression":"1"}"#)]), Reply.text("x")])
        let recorder = RunRecorder(failCheckpoint: true)
        let outcome = await AgentHarness.run(Agent(model: model), recorder: recorder)
        guard case .error(_, .internalError) = outcome.terminal else {
            Issue.record("expected error{internal}, got \(outcome.terminal)")
            return
        }
        #expect(model.requests.count == 1)
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func tokenBudgetIsCheckedBeforeEachCall() async throws {
        let model = ScriptedChatModel(replies: [
            Reply.tools([("c1", "calculator", #"{"expression":"1"}"#)], prompt: 10, completion: 5),
            Reply.tools([("c2", "calculator", #"{"expression":"2"}"#)], prompt: 10, completion: 5),
            Reply.text("never"),
        ])
        let agent = Agent(model: model, settings: AgentSettings(budget: Budget(maxTotalTokens: 20)))
        let recorder = RunRecorder()
        let outcome = await AgentHarness.run(agent, recorder: recorder)
        #expect(model.requests.count == 2)
        #expect(outcome.terminal == .error(message: "session budget exhausted: 30 of 20 tokens used", code: .budgetExceeded))
        AgentHarness.expectWellFormed(recorder.events, outcome)

        // The next query on the same session is refused before calling the model.
        let again = await AgentHarness.run(agent, history: outcome.history, usage: outcome.usage)
        #expect(model.requests.count == 2)
        #expect(HistoryRepair.isValid(again.history))
    }

    @Test func budgetCountsWhatTheSessionSetAsideWhenItWasCleared() async throws {
        let model = ScriptedChatModel(replies: [Reply.text("never")])
        let agent = Agent(model: model, settings: AgentSettings(budget: Budget(maxTotalTokens: 20)))
        var spent = SessionUsage()
        spent.record(model: "scripted-model", tokens: TokenUsage(promptTokens: 15, completionTokens: 5), price: nil)
        let context = QueryContext(sessionId: "session-1", queryId: "query-1", clearedUsage: spent)
        let recorder = RunRecorder()
        let outcome = await agent.run(context: context, history: [], input: QueryInput(text: "hi"), usage: SessionUsage(),
                                      emit: { recorder.emit($0) }, checkpoint: { try recorder.checkpoint($0) })
        #expect(model.requests.isEmpty, "a clear must not reset the budget")
        #expect(outcome.terminal == .error(message: "session budget exhausted: 20 of 20 tokens used", code: .budgetExceeded))
        #expect(outcome.usage == SessionUsage(), "the run's own usage stays what the session passed in")
        AgentHarness.expectWellFormed(recorder.events, outcome)
    }

    @Test func costBudgetUsesThePriceTable() async throws {
        let prices = PriceTable(prices: ["scripted-model": ModelPrice(input: 1_000_000, output: 1_000_000)])
        let model = ScriptedChatModel(replies: [Reply.tools([("c1", "calculator", #"{"expression":"1"}"#)]), Reply.text("x")])
        let agent = Agent(model: model, settings: AgentSettings(budget: Budget(maxCost: 10)), prices: prices)
        let outcome = await AgentHarness.run(agent)
        #expect(outcome.usage.totalCost == 15)
        guard case .error(_, .budgetExceeded) = outcome.terminal else {
            Issue.record("expected error{budget_exceeded}, got \(outcome.terminal)")
            return
        }
    }
}
