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

/// A failed attempt: whether any of it reached the client decides whether a retry is allowed.
private struct AttemptFailure: Error {
    var error: Error
    var streamedSomething: Bool
}

extension AgentRun {
    /// One model call: budget check, retries of retryable errors, one forced compaction on a
    /// context overflow, usage counted. `streaming` emits deltas live (compaction calls don't).
    func callModel(streaming: Bool, allowOverflowRecovery: Bool,
                   request: () -> ChatRequest) async throws -> ModelTurn {
        if let reason = budgetExhaustion() { throw RunStop.budget(reason) }
        var attempt = 0
        var recoveredOverflow = !allowOverflowRecovery
        while true {
            if Task.isCancelled { throw RunStop.cancelled(partialText: "") }
            do {
                return try await attemptCall(request(), streaming: streaming)
            } catch let failure as AttemptFailure {
                if case LLMError.contextOverflow = failure.error, !recoveredOverflow {
                    recoveredOverflow = true
                    if try await compact(forced: true) { continue }
                }
                guard let llmError = failure.error as? LLMError, llmError.isRetryable, !failure.streamedSomething,
                      attempt < settings.modelRetries else {
                    throw RunStop.llm("\(failure.error)")
                }
                let delay = retryDelay(attempt: attempt, error: llmError)
                attempt += 1
                AgentMetrics.retry(model: model.modelName, layer: "agent", error: llmError)
                logger.warning("model call failed, retrying", metadata: [
                    "session_id": "\(context.sessionId)", "model": "\(model.modelName)", "attempt": "\(attempt)",
                    "error": "\(llmError)"])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw RunStop.cancelled(partialText: "")
                }
            }
        }
    }

    private func retryDelay(attempt: Int, error: LLMError) -> Duration {
        var delay = settings.retryBaseDelay * (1 << min(attempt, 10))
        if case .rateLimited(let retryAfter?, _) = error {
            delay = max(delay, .milliseconds(Int64(min(retryAfter, 30) * 1000)))
        }
        return delay
    }

    private func attemptCall(_ request: ChatRequest, streaming: Bool) async throws -> ModelTurn {
        var builder = ChatCompletionBuilder()
        var thinking = ThinkingBlocks()
        var turn = ModelTurn()
        var streamed = false
        let started = ContinuousClock.now
        // `<think>` tags in text are split out by the provider decoders, so the model's `.text`
        // is visible text and `.reasoning` is thinking.
        func show(_ segments: [ModelSegment]) async {
            for segment in segments {
                switch segment {
                case .text(let piece):
                    turn.text += piece
                    if streaming {
                        if let end = thinking.close() { await emit(end) }
                        await emit(.textDelta(delta: piece))
                        streamed = true
                    }
                case .thinking(let piece):
                    turn.reasoning += piece
                    if streaming {
                        for event in thinking.add(piece) { await emit(event) }
                        streamed = true
                    }
                case .thinkingEnd:
                    if streaming, let end = thinking.close() { await emit(end) }
                }
            }
        }
        do {
            for try await delta in model.stream(request) {
                // The builder sees every delta (it pairs thinking with its signature); text and
                // thinking are also shown as they come.
                builder.add(delta)
                switch delta {
                case .text(let piece): await show([.text(piece)])
                case .reasoning(let piece): await show([.thinking(piece)])
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
            throw AttemptFailure(error: error, streamedSomething: streamed)
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
            id = "think_" + UUID().uuidString.lowercased()
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

/// A piece of a model turn as the agent shows it.
private enum ModelSegment {
    case text(String)
    case thinking(String)
    case thinkingEnd
}
