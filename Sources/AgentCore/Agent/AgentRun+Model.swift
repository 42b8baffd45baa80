import Foundation
import Logging

/// One finished model call.
struct ModelTurn {
    var text = ""
    var reasoning = ""
    var reasoningBlocks: [ReasoningBlock] = []
    var toolCalls: [ToolCall] = []

    var reasoningForHistory: String? { reasoning.isEmpty ? nil : reasoning }
}

/// A model call that failed: `callModel` recovers a context overflow once, and turns
/// anything else into `RunStop.llm`. Retries belong to `RetryingChatModel`, one layer below.
private struct ModelCallFailure: Error {
    var error: Error
}

extension AgentRun {
    /// One model call: budget check, one forced compaction on a context overflow, usage counted.
    /// `streaming` emits deltas live (compaction calls don't).
    func callModel(streaming: Bool, allowOverflowRecovery: Bool,
                   request: () -> ChatRequest) async throws -> ModelTurn {
        if let reason = budgetExhaustion() { throw RunStop.budget(reason) }
        var recoveredOverflow = !allowOverflowRecovery
        while true {
            if Task.isCancelled { throw RunStop.cancelled(partialText: "") }
            do {
                return try await attemptCall(request(), streaming: streaming)
            } catch let failure as ModelCallFailure {
                if case LLMError.contextOverflow = failure.error, !recoveredOverflow {
                    recoveredOverflow = true
                    if try await compact(forced: true) { continue }
                }
                throw RunStop.llm("\(failure.error)")
            }
        }
    }

    private func attemptCall(_ request: ChatRequest, streaming: Bool) async throws -> ModelTurn {
        var builder = ChatCompletionBuilder()
        var thinking = ThinkingBlocks()
        var turn = ModelTurn()
        let started = ContinuousClock.now
        do {
            for try await delta in model.stream(request) {
                // The builder sees every delta (it pairs thinking with its signature); text and
                // thinking are also shown as they come. `<think>` tags in text are split out by
                // the provider decoders, so `.text` is visible text and `.reasoning` is thinking.
                builder.add(delta)
                switch delta {
                case .text(let piece):
                    turn.text += piece
                    if streaming {
                        if let end = thinking.close() { await emit(end) }
                        await emit(.textDelta(delta: piece))
                    }
                case .reasoning(let piece):
                    turn.reasoning += piece
                    if streaming {
                        for event in thinking.add(piece) { await emit(event) }
                    }
                default: break
                }
                if Task.isCancelled { break }
            }
        } catch {
            if let end = thinking.close() { await emit(end) }
            if let tokens = builder.build().usage { record(tokens) }
            if Task.isCancelled {
                AgentMetrics.modelCall(model: model.modelName, outcome: "cancelled", started: started)
                throw RunStop.cancelled(partialText: turn.text)
            }
            AgentMetrics.modelCall(model: model.modelName, outcome: "error", started: started)
            throw ModelCallFailure(error: error)
        }
        if let end = thinking.close() { await emit(end) }
        let completion = builder.build()
        if Task.isCancelled {
            if let tokens = completion.usage { record(tokens) }
            AgentMetrics.modelCall(model: model.modelName, outcome: "cancelled", started: started)
            throw RunStop.cancelled(partialText: turn.text)
        }
        AgentMetrics.modelCall(model: model.modelName, outcome: "ok", started: started)
        // Calls without an id could not be paired with their results; give them one.
        turn.toolCalls = completion.toolCalls.enumerated().map { index, call in
            var call = call
            if call.id.isEmpty { call.id = "call_\(context.queryId)_\(stepNumber + index + 1)" }
            return call
        }
        turn.reasoningBlocks = completion.reasoningBlocks
        record(completion.usage ?? TokenUsage())
        return turn
    }

    /// Every completed call counts (an invocation even when the provider sent no usage);
    /// a failed one only when the provider reported what it used.
    private func record(_ tokens: TokenUsage) {
        let price = prices.price(for: model.modelName)
        usage.record(model: model.modelName, tokens: tokens, price: price)
        AgentMetrics.tokens(model: model.modelName, usage: tokens, cost: price?.cost(of: tokens))
        if tokens.promptTokens > 0 { lastPromptTokens = tokens.promptTokens }
    }

    /// Compacts when the last call filled more than the threshold of the context window.
    func compactIfNeeded() async throws {
        guard settings.compaction.enabled, let window = model.contextWindow, window > 0,
              let last = lastPromptTokens, Double(last) > settings.compaction.thresholdRatio * Double(window) else { return }
        _ = try await compact(forced: false)
    }

    /// Summarises the older part of the history. Returns false when there was nothing to
    /// summarise. A failed summary call is not fatal unless the compaction was forced by an
    /// overflow (then the overflow stands).
    func compact(forced: Bool) async throws -> Bool {
        let keep = forced ? 1 : settings.compaction.keepRecentTurns
        guard let split = ContextCompactor.split(history, keepRecentTurns: keep) else { return false }
        let summary: ModelTurn
        do {
            summary = try await callModel(streaming: false, allowOverflowRecovery: false) {
                ContextCompactor.request(summarising: split.old)
            }
        } catch RunStop.llm(let message) where !forced {
            logger.warning("context compaction failed; continuing with the full history",
                           metadata: ["session_id": "\(context.sessionId)", "error": "\(message)"])
            lastPromptTokens = nil
            return false
        }
        history = ContextCompactor.compacted(split, summary: summary.text)
        lastPromptTokens = nil
        AgentMetrics.compaction(forced: forced)
        await emit(.hidden(content: "context compacted"))
        return true
    }
}

/// Opens and closes thinking blocks, each with its own `think_id`.
private struct ThinkingBlocks {
    private var openId: String?

    mutating func add(_ piece: String) -> [AgentEvent] {
        var events: [AgentEvent] = []
        let id: String
        if let openId {
            id = openId
        } else {
            id = "think_" + UUID.systemRandom().uuidString.lowercased()
            openId = id
            events.append(.thinkingStart(thinkId: id))
        }
        events.append(.thinkingDelta(thinkId: id, delta: piece))
        return events
    }

    mutating func close() -> AgentEvent? {
        guard let id = openId else { return nil }
        openId = nil
        return .thinkingEnd(thinkId: id)
    }
}
