import Foundation
import Logging

/// One query's loop. Lives in the query's task only (not shared, hence not Sendable); tool
/// calls fan out into child tasks that get only Sendable values.
final class AgentRun {
    /// The query's model: the one it (or its session) chose, else the default.
    let model: any ChatModel
    /// The tools this query may call: the agent's, or the subset the query named.
    let tools: [any Tool]
    /// Every tool the agent has, for what applies whatever the subset (ephemeral outputs).
    let allTools: [any Tool]
    let settings: AgentSettings
    /// The configured sampling options with the query's overrides.
    let chatOptions: ChatOptions
    let responseFormat: ResponseFormat?
    /// As the query asked; kept with calls that pause, for their continuation.
    let options: QueryOptions
    let prices: PriceTable
    let context: QueryContext
    let logger: Logger
    let emit: @Sendable (AgentEvent) async -> Void
    let checkpointSink: @Sendable (QueryCheckpoint) async throws -> Void
    let timedOut: @Sendable () -> Bool

    var history: [ChatMessage]
    var usage: SessionUsage
    /// Prompt tokens of the last model call with the full context: drives compaction.
    var lastPromptTokens: Int?
    var stepNumber = 0
    /// The calls the history's last turn waits on; committed with every checkpoint.
    var pendingApprovals: [PendingApproval] = []
    private var warnedUnpricedBudget = false

    init(agent: Agent, context: QueryContext, options: QueryOptions = QueryOptions(), history: [ChatMessage],
         usage: SessionUsage, emit: @escaping @Sendable (AgentEvent) async -> Void,
         checkpoint: @escaping @Sendable (QueryCheckpoint) async throws -> Void,
         timedOut: @escaping @Sendable () -> Bool) {
        self.model = agent.model(named: options.model, sessionId: context.sessionId)
        let offered = agent.offeredTools
        self.allTools = offered
        if let names = options.tools {
            // `done` is how a require_done_tool query ends, not a tool one chooses.
            self.tools = offered.filter { names.contains($0.definition.name) || $0 is DoneTool }
        } else {
            self.tools = offered
        }
        self.settings = agent.settings
        self.chatOptions = options.applied(to: agent.settings.chatOptions)
        self.responseFormat = options.responseFormat
        self.options = options
        self.prices = agent.prices
        self.context = context
        self.logger = agent.logger
        self.history = history
        self.usage = usage
        self.emit = emit
        self.checkpointSink = checkpoint
        self.timedOut = timedOut
    }

    /// A new message. A turn paused for approvals is closed first: what waited is rejected
    /// ("the user sent a new message instead"), so the model sees why those calls did not run.
    func execute(userMessage: ChatMessage) async -> QueryOutcome {
        await closePausedTurn()
        history.append(userMessage)
        return await loop(resuming: nil)
    }

    /// The continuation of a paused turn: the decided calls run (or get their rejection), then
    /// the loop goes on as if the turn had never stopped.
    func execute(decisions: [String: ApprovalDecision]) async -> QueryOutcome {
        await loop(resuming: decisions)
    }

    private func loop(resuming decisions: [String: ApprovalDecision]?) async -> QueryOutcome {
        do {
            if let decisions, let outcome = try await afterToolCalls(await runToolCalls(openCalls(), decisions: decisions)) {
                return outcome
            }
            var iterations = 0
            while true {
                if Task.isCancelled { throw RunStop.cancelled(partialText: "") }
                if iterations >= settings.maxIterations {
                    return try await finishWithSummary()
                }
                try await compactIfNeeded()
                let turn = try await callModel(streaming: true, allowOverflowRecovery: true) { [self] in
                    request(ModelContext.messages(for: history, tools: allTools),
                            toolChoice: settings.requireDoneTool ? .required : .auto)
                }
                iterations += 1
                await emitTurnSummary(turn)
                if turn.toolCalls.isEmpty {
                    // With require_done_tool the request demanded a tool call; a provider that
                    // answers in text anyway has still answered, so that text is the answer.
                    let answer = try await conformingAnswer(turn.text)
                    history.append(.assistant(answer, reasoning: turn.reasoningForHistory))
                    try await checkpoint(endsRun: true)
                    return await finish(.final(content: answer, status: .completed))
                }
                // Signed thinking is kept with the tool calls: Anthropic wants it echoed while the
                // turn continues. Final answers drop it (later turns need no earlier thinking).
                history.append(.assistant(turn.text, toolCalls: turn.toolCalls, reasoning: turn.reasoningForHistory,
                                          reasoningBlocks: turn.reasoningBlocks))
                let gated = gatedCalls(turn.toolCalls)
                if !gated.isEmpty { return try await pause(turn.toolCalls, gated: gated) }
                if let outcome = try await afterToolCalls(await runToolCalls(turn.toolCalls)) { return outcome }
            }
        } catch let stop as RunStop {
            return await end(stop)
        } catch {
            return await end(.internalError("\(error)"))
        }
    }

    /// After a turn's tool calls: the answer when `done` succeeded, else nil once the step is committed.
    private func afterToolCalls(_ doneMessage: String?) async throws -> QueryOutcome? {
        if Task.isCancelled { throw RunStop.cancelled(partialText: "") }
        if let doneMessage {
            let answer = try await conformingAnswer(doneMessage)
            history.append(.assistant(answer))
            try await checkpoint(endsRun: true)
            await emit(.text(content: answer))
            return await finish(.final(content: answer, status: .completed))
        }
        try await checkpoint()
        return nil
    }

    /// `max_iterations`: one last call without tools asking what was done, then stop.
    private func finishWithSummary() async throws -> QueryOutcome {
        let instruction = """
            You have reached the maximum number of steps for this request and cannot call tools any more. \
            Summarise for the user what you did, what you found, and what is still left to do.
            """
        let turn = try await callModel(streaming: true, allowOverflowRecovery: false) { [self] in
            // Tools stay declared (some providers require it when the history holds tool calls),
            // but the model may not use them; the instruction lives in this request only.
            request(ModelContext.messages(for: history, tools: allTools) + [.user(instruction)], toolChoice: .none)
        }
        await emitTurnSummary(turn)
        let answer = try await conformingAnswer(turn.text)
        history.append(.assistant(answer, reasoning: turn.reasoningForHistory))
        try await checkpoint(endsRun: true)
        return await finish(.final(content: answer, status: .maxIterations))
    }

    /// `endsRun`: nothing but `finish` follows (`QueryCheckpoint.endsRun`).
    func checkpoint(endsRun: Bool = false) async throws {
        do {
            try await checkpointSink(QueryCheckpoint(history: history, usage: usage,
                                                     pendingApprovals: pendingApprovals, endsRun: endsRun))
        } catch is CancellationError where Task.isCancelled {
            // A store that honours cancellation: the query was cancelled, nothing broke.
            throw RunStop.cancelled(partialText: "")
        } catch {
            throw RunStop.internalError("saving the session failed: \(error)")
        }
    }

    func emitTurnSummary(_ turn: ModelTurn) async {
        if !turn.reasoning.isEmpty { await emit(.thinking(content: turn.reasoning)) }
        if !turn.text.isEmpty { await emit(.text(content: turn.text)) }
    }

    func finish(_ terminal: AgentEvent) async -> QueryOutcome {
        await emit(terminal)
        return QueryOutcome(history: history, usage: usage, terminal: terminal, pendingApprovals: pendingApprovals)
    }

    /// Every non-answer ending: repair the history (see `HistoryRepair`), emit the one terminal event.
    private func end(_ stop: RunStop) async -> QueryOutcome {
        pendingApprovals = []
        history = HistoryRepair.fillMissingToolResults(history, reason: stop.unansweredReason)
        let terminal: AgentEvent
        let note: String
        switch stop {
        case .cancelled(let partialText) where timedOut():
            terminal = .error(message: "the query timed out after \((settings.queryTimeout ?? .zero).secondsText)s",
                              code: .timeout)
            note = partialText.isEmpty ? "(No answer: the query timed out.)" : partialText
        case .cancelled(let partialText):
            if !partialText.isEmpty { await emit(.text(content: partialText)) }
            terminal = .final(content: partialText, status: .cancelled)
            note = partialText.isEmpty ? "(No answer: the request was cancelled.)" : partialText
        case .llm(let message):
            terminal = .error(message: message, code: .llmError)
            note = "(No answer: the model call failed: \(message))"
        case .budget(let message):
            terminal = .error(message: message, code: .budgetExceeded)
            note = "(No answer: \(message).)"
        case .responseFormat(let message):
            terminal = .error(message: message, code: .llmError)
            note = "(No answer: \(message).)"
        case .internalError(let message):
            logger.error("query failed", metadata: ["session_id": "\(context.sessionId)", "query_id": "\(context.queryId)",
                                                    "error": "\(message)"])
            terminal = .error(message: message, code: .internalError)
            note = "(No answer: an internal error ended the request.)"
        }
        history = HistoryRepair.closingTurn(history, note: note)
        return await finish(terminal)
    }

    /// Before each model call: nil when the budget allows it, else the reason. The budget
    /// counts the session's lifetime: a clear resets `usage`, never the budget.
    func budgetExhaustion() -> String? {
        let lifetime = context.clearedUsage.adding(usage)
        if settings.budget.maxCost != nil, lifetime.totalCost == nil, !lifetime.byModel.isEmpty, !warnedUnpricedBudget {
            warnedUnpricedBudget = true
            logger.warning("cost budget not enforced: a model used by this session has no price",
                           metadata: ["session_id": "\(context.sessionId)", "model": "\(model.modelName)"])
        }
        return settings.budget.exhaustion(of: lifetime)
    }
}
