import Foundation
import Testing
@testable import AgentCore

/// Human approval through the session layer, over a real SQLite store and the real agent loop
/// with a scripted model: the pause, decisions, rejection the model reads, partial decisions,
/// errors, a new message instead, timeouts and a restart between pause and decision.
@Suite struct ApprovalSessionTests {
    static func agent(_ model: ScriptedChatModel, gated: [String] = ["echo"], timeout: Duration? = .seconds(3600)) throws -> Agent {
        var settings = AgentSettings()
        settings.approval = ApprovalSettings(tools: gated, timeout: timeout)
        return Agent(model: model, tools: try ToolRegistry([EchoTool(), CalculatorTool()]), settings: settings)
    }

    static let echoCall = ("c1", "echo", #"{"text":"x"}"#)
    static let calcCall = ("c2", "calculator", #"{"expression":"1+1"}"#)

    func withManager<T>(_ directory: TemporaryDirectory, _ body: (SessionManager, SQLiteSessionStore) async throws -> T)
        async throws -> T {
        try await StoreFixtures.withStore(directory) { store in
            try await body(SessionManager(settings: sessionSettings(), store: store), store)
        }
    }

    /// The tool messages the model was sent in its last request, by call id.
    static func toolResults(_ model: ScriptedChatModel) -> [String: String] {
        var results: [String: String] = [:]
        for message in model.requests.last?.messages ?? [] where message.role == .tool {
            results[message.toolCallId ?? ""] = message.content
        }
        return results
    }

    @Test func aGatedCallPausesWhileTheUngatedOneRunsThenApprovalContinues() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall, Self.calcCall]), Reply.text("all done")])
        let agent = try Self.agent(model)
        try await withManager(directory) { manager, store in
            let paused = try await manager.submitQuery(sessionId: "s", owner: "alice", message: "go", runner: agent,
                                                       defaultSystemPrompt: nil)
            let events = await collect(paused)
            #expect(events.map(\.event).contains(.approvalRequest(toolCallId: "c1", tool: "echo", args: ["text": "x"])))
            let resultIds = events.compactMap { if case .toolResult(_, _, let id, _, _) = $0.event { id } else { nil } }
            #expect(resultIds == ["c2"], "the ungated call ran, the gated one did not")
            #expect(events.map(\.event.type).suffix(2) == ["final", "usage"])
            #expect(events.dropLast().last?.event == .awaitingApproval(pending: ["c1"]))
            let result = await paused.result()
            #expect(result.pendingApprovals.map(\.toolCallId) == ["c1"])
            let stored = try #require(try await store.loadSession(id: "s"))
            #expect(stored.summary.pendingApprovals.map(\.tool) == ["echo"])
            #expect(stored.history.last?.role == .tool, "the history ends with the ungated call's result")

            let progress = try await manager.decide(sessionId: "s", owner: "alice",
                                                    decisions: [("c1", ApprovalDecision(approve: true))],
                                                    runner: agent, defaultSystemPrompt: nil)
            let continuation = try #require(progress.continuation)
            let more = await collect(continuation)
            #expect(more.first!.seq == events.last!.seq + 1, "the continuation continues the session's seq")
            #expect(more.map(\.event.type).filter { $0.hasPrefix("tool") } == ["tool_call", "tool_result"])
            #expect(more.map(\.event).contains(.final(content: "all done", status: .completed)))
            #expect(Self.toolResults(model)["c1"]?.hasPrefix("echo: x") == true)
            #expect(Self.toolResults(model)["c2"] == "2")
            let after = try #require(try await store.loadSession(id: "s"))
            #expect(after.summary.pendingApprovals.isEmpty)
            #expect(HistoryRepair.isValid(after.history))
        }
    }

    @Test func aRejectionReachesTheModelAsAnErrorResult() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall]), Reply.text("understood")])
        let agent = try Self.agent(model)
        try await withManager(directory) { manager, _ in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "go", runner: agent,
                                                            defaultSystemPrompt: nil))
            let progress = try await manager.decide(sessionId: "s", owner: nil,
                                                    decisions: [("c1", ApprovalDecision(approve: false, reason: "too risky"))],
                                                    runner: agent, defaultSystemPrompt: nil)
            let events = await collect(try #require(progress.continuation))
            #expect(events.map(\.event).contains(.toolResult(tool: "echo", result: "rejected by the user: too risky",
                                                             toolCallId: "c1", isError: true, screenshotBase64: nil)))
            #expect(Self.toolResults(model)["c1"] == "rejected by the user: too risky")
        }
    }

    @Test func partialDecisionsAreKeptAndNothingRunsUntilTheLast() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall, Self.calcCall]), Reply.text("ok")])
        let agent = try Self.agent(model, gated: ["echo", "calc*"])
        try await withManager(directory) { manager, store in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "go", runner: agent,
                                                            defaultSystemPrompt: nil))
            let first = try await manager.decide(sessionId: "s", owner: nil,
                                                 decisions: [("c2", ApprovalDecision(approve: false, reason: "no"))],
                                                 runner: agent, defaultSystemPrompt: nil)
            #expect(first.continuation == nil && first.waiting.map(\.toolCallId) == ["c1"])
            #expect(model.requests.count == 1, "nothing ran")
            let stored = try #require(try await store.loadSession(id: "s")).summary.pendingApprovals
            #expect(stored.first { $0.toolCallId == "c2" }?.decision == ApprovalDecision(approve: false, reason: "no"))
            let second = try await manager.decide(sessionId: "s", owner: nil, decisions: [("c1", ApprovalDecision(approve: true))],
                                                  runner: agent, defaultSystemPrompt: nil)
            _ = await collect(try #require(second.continuation))
            #expect(Self.toolResults(model)["c2"] == "rejected by the user: no")
            #expect(Self.toolResults(model)["c1"]?.hasPrefix("echo: x") == true)
        }
    }

    @Test func decisionsAreRefusedWhenNothingWaitsForAnUnknownCallAndForAnotherOwner() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.text("plain"), Reply.tools([Self.echoCall])])
        let agent = try Self.agent(model)
        try await withManager(directory) { manager, _ in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: "alice", message: "a", runner: agent,
                                                            defaultSystemPrompt: nil))
            let yes = [(toolCallId: "c1", decision: ApprovalDecision(approve: true))]
            await #expect(throws: SessionError.nothingPending(id: "s")) {
                _ = try await manager.decide(sessionId: "s", owner: "alice", decisions: yes, runner: agent, defaultSystemPrompt: nil)
            }
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: "alice", message: "b", runner: agent,
                                                            defaultSystemPrompt: nil))
            await #expect(throws: SessionError.unknownToolCall(index: 1, toolCallId: "nope")) {
                _ = try await manager.decide(sessionId: "s", owner: "alice",
                                             decisions: yes + [("nope", ApprovalDecision(approve: true))],
                                             runner: agent, defaultSystemPrompt: nil)
            }
            await #expect(throws: SessionError.notFound(id: "s")) {
                _ = try await manager.decide(sessionId: "s", owner: "bob", decisions: yes, runner: agent, defaultSystemPrompt: nil)
            }
            #expect(model.requests.count == 2, "no refused decision ran anything")
        }
    }

    @Test func aNewMessageRejectsWhatWaitsThenRuns() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall]), Reply.text("fresh answer")])
        let agent = try Self.agent(model)
        try await withManager(directory) { manager, store in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "go", runner: agent,
                                                            defaultSystemPrompt: nil))
            let events = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "something else",
                                                                     runner: agent, defaultSystemPrompt: nil))
            #expect(events.map(\.event).contains(.final(content: "fresh answer", status: .completed)))
            #expect(Array(events.map(\.event.type).prefix(4)) == ["step_start", "tool_call", "tool_result", "step_complete"],
                    "the rejected call is reported as every call is: \(events.map(\.event.type))")
            #expect(Self.toolResults(model)["c1"] == "rejected by the user: the user sent a new message instead")
            let stored = try #require(try await store.loadSession(id: "s"))
            #expect(stored.summary.pendingApprovals.isEmpty)
            #expect(stored.history.map(\.role) == [.user, .assistant, .tool, .user, .assistant])
        }
    }

    @Test func aCallPastItsDeadlineIsRejectedByTheCleanupPassAndTheTurnGoesOn() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall]), Reply.text("gave up")])
        let agent = try Self.agent(model, timeout: .seconds(60))
        try await withManager(directory) { manager, store in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "go", runner: agent,
                                                            defaultSystemPrompt: nil))
            await manager.expireApprovals(runner: agent, defaultSystemPrompt: nil, now: Date())
            #expect(model.requests.count == 1, "not yet due")
            await manager.expireApprovals(runner: agent, defaultSystemPrompt: nil, now: Date().addingTimeInterval(61))
            let session = try await manager.session(id: "s", owner: nil)
            while session.info.isBusy || session.info.runningQueryId != nil { try await Task.sleep(for: .milliseconds(10)) }
            #expect(Self.toolResults(model)["c1"] == "not run: approval timed out")
            #expect(try #require(try await store.loadSession(id: "s")).summary.pendingApprovals.isEmpty)
        }
    }

    @Test func aLateApprovalOfAnExpiredCallIsATimeout() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall]), Reply.text("ok")])
        let agent = try Self.agent(model, timeout: .milliseconds(1))
        try await withManager(directory) { manager, _ in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, message: "go", runner: agent,
                                                            defaultSystemPrompt: nil))
            try await Task.sleep(for: .milliseconds(20))
            let progress = try await manager.decide(sessionId: "s", owner: nil, decisions: [("c1", ApprovalDecision(approve: true))],
                                                    runner: agent, defaultSystemPrompt: nil)
            #expect(progress.decided.map(\.decision) == [.timedOut])
            _ = await collect(try #require(progress.continuation))
            #expect(Self.toolResults(model)["c1"] == "not run: approval timed out")
        }
    }

    @Test func aDecisionAfterARestartContinuesFromTheStore() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall]), Reply.text("after restart")])
        let agent = try Self.agent(model)
        let lastSeq = try await withManager(directory) { manager, _ in
            await collect(try await manager.submitQuery(sessionId: "s", owner: "alice", message: "go", runner: agent,
                                                        defaultSystemPrompt: nil)).last!.seq
        }
        try await withManager(directory) { manager, _ in
            let session = try await manager.session(id: "s", owner: "alice")
            #expect(session.info.pendingApprovals.map(\.toolCallId) == ["c1"])
            let progress = try await manager.decide(sessionId: "s", owner: "alice",
                                                    decisions: [("c1", ApprovalDecision(approve: true))],
                                                    runner: agent, defaultSystemPrompt: nil)
            let events = await collect(try #require(progress.continuation))
            #expect(events.first!.seq == lastSeq + 1)
            #expect(events.map(\.event).contains(.final(content: "after restart", status: .completed)))
        }
    }

    /// The cleanup pass times out a call of a session no one holds in memory (the responder that
    /// paused it restarted): the store says it is due, the pass loads it and continues the turn.
    @Test func aCallPastItsDeadlineIsTimedOutAfterARestartToo() async throws {
        let directory = try TemporaryDirectory()
        let model = ScriptedChatModel(replies: [Reply.tools([Self.echoCall]), Reply.text("gave up")])
        let agent = try Self.agent(model, timeout: .seconds(60))
        try await withManager(directory) { manager, _ in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: "alice", message: "go", runner: agent,
                                                            defaultSystemPrompt: nil))
        }
        try await withManager(directory) { manager, store in
            #expect(await manager.inMemoryCount == 0)
            await manager.expireApprovals(runner: agent, defaultSystemPrompt: nil, now: Date())
            #expect(await manager.inMemoryCount == 0, "nothing due yet: nothing loaded")
            await manager.expireApprovals(runner: agent, defaultSystemPrompt: nil, now: Date().addingTimeInterval(61))
            let session = try await manager.session(id: "s", owner: "alice")
            while session.info.isBusy || session.info.runningQueryId != nil { try await Task.sleep(for: .milliseconds(10)) }
            #expect(model.requests.count == 2, "the turn went on")
            #expect(Self.toolResults(model)["c1"] == "not run: approval timed out")
            #expect(try #require(try await store.loadSession(id: "s")).summary.pendingApprovals.isEmpty)
            #expect(try await store.sessionsWithApprovalsDue(at: Date().addingTimeInterval(3600), limit: 10) == [])
        }
    }

    /// The continuation runs as the paused query asked (its model, tool subset and response
    /// format), also when it is decided after a restart: the options are stored with the calls.
    @Test func theContinuationKeepsThePausedQuerysOptionsAcrossARestart() async throws {
        let directory = try TemporaryDirectory()
        let primary = ScriptedChatModel(modelName: "primary", replies: [Reply.text("not this one")])
        let other = ScriptedChatModel(modelName: "other", replies: [Reply.tools([Self.echoCall]), Reply.text(#"{"city":"Oslo"}"#)])
        var settings = AgentSettings()
        settings.approval = ApprovalSettings(tools: ["echo"], timeout: .seconds(3600))
        let agent = Agent(model: primary, tools: try ToolRegistry([EchoTool(), CalculatorTool()]), settings: settings,
                          alternatives: [other])
        let options = QueryOptions(model: "other", responseFormat: QueryOptionsTests.format, tools: ["echo"], temperature: 0.25)
        try await withManager(directory) { manager, store in
            _ = await collect(try await manager.submitQuery(sessionId: "s", owner: nil, input: QueryInput(text: "go", options: options),
                                                            runner: agent, defaultSystemPrompt: nil))
            let stored = try #require(try await store.loadSession(id: "s")).summary.pendingApprovals
            #expect(stored.map(\.queryOptions) == [options], "stored with the call")
        }
        try await withManager(directory) { manager, _ in
            let progress = try await manager.decide(sessionId: "s", owner: nil, decisions: [("c1", ApprovalDecision(approve: true))],
                                                    runner: agent, defaultSystemPrompt: nil)
            let events = await collect(try #require(progress.continuation))
            #expect(events.map(\.event).contains(.final(content: #"{"city":"Oslo"}"#, status: .completed)), "\(events.map(\.event))")
        }
        #expect(primary.requests.isEmpty, "the default model was never asked")
        let continuation = try #require(other.requests.last)
        #expect(other.requests.count == 2)
        #expect(continuation.tools.map(\.name) == ["echo"], "the tool subset")
        #expect(continuation.responseFormat == QueryOptionsTests.format, "the response format")
        #expect(continuation.options.temperature == 0.25, "the sampling override")
    }
}
