import CoreMetrics
import Foundation

/// What AgentCore reports through swift-metrics (the executable bootstraps Prometheus): the
/// agent loop, model retries and store commits. Labels are bounded: model and tool names come
/// from configuration, never from clients; reasons and outcomes are fixed sets.
enum AgentMetrics {
    static func modelCall(model: String, outcome: String, started: ContinuousClock.Instant) {
        Timer(label: "agent_llm_call_duration_seconds", dimensions: [("model", model), ("outcome", outcome)])
            .recordNanoseconds(nanoseconds(since: started))
    }

    static func tokens(model: String, usage: TokenUsage, cost: Double?) {
        Counter(label: "agent_llm_tokens_total", dimensions: [("model", model), ("kind", "prompt")])
            .increment(by: usage.promptTokens)
        Counter(label: "agent_llm_tokens_total", dimensions: [("model", model), ("kind", "prompt_cached")])
            .increment(by: usage.cachedPromptTokens)
        Counter(label: "agent_llm_tokens_total", dimensions: [("model", model), ("kind", "completion")])
            .increment(by: usage.completionTokens)
        if let cost {
            FloatingPointCounter(label: "agent_llm_cost_dollars_total", dimensions: [("model", model)]).increment(by: cost)
        }
    }

    static func toolCall(tool: String, status: StepStatus, started: ContinuousClock.Instant) {
        Timer(label: "agent_tool_call_duration_seconds", dimensions: [("tool", tool), ("status", status.rawValue)])
            .recordNanoseconds(nanoseconds(since: started))
    }

    /// A failed model call about to be tried again by `RetryingChatModel`, the one retry layer.
    /// The `layer` label stays (always `transport`) so dashboards built on it keep working.
    static func retry(model: String, error: LLMError) {
        Counter(label: "agent_llm_retries_total",
                dimensions: [("model", model), ("layer", "transport"), ("reason", reason(error))]).increment()
    }

    static func storeCommit(outcome: String, started: ContinuousClock.Instant) {
        (outcome == "ok" ? storeCommitOK : Timer(label: "agent_store_commit_duration_seconds", dimensions: [("outcome", outcome)]))
            .recordNanoseconds(nanoseconds(since: started))
    }

    // Made once, at the first commit (after `MetricsSystem.bootstrap`, which the responder does
    // before it opens the store): a handle per commit cost a registry lookup on the store's
    // thread each time, seen in profiles of the sessions benchmark.
    private static let storeCommitOK = Timer(label: "agent_store_commit_duration_seconds", dimensions: [("outcome", "ok")])
    private static let storeWriteTimer = Timer(label: "agent_store_write_duration_seconds")

    /// A turn commit's latency inside the store: from reaching it (queue wait included) to its
    /// transaction being durable, without the wake-up of the session's task that
    /// `storeCommit` also counts (on a busy machine that wait is the cooperative pool's, not the disk's).
    static func storeWrite(started: ContinuousClock.Instant) {
        storeWriteTimer.recordNanoseconds(nanoseconds(since: started))
    }

    static func reason(_ error: LLMError) -> String {
        switch error {
        case .authentication: return "authentication"
        case .rateLimited: return "rate_limited"
        case .server: return "server"
        case .badRequest: return "bad_request"
        case .contextOverflow: return "context_overflow"
        case .timeout: return "timeout"
        case .connection: return "connection"
        case .badResponse: return "bad_response"
        case .cancelled: return "cancelled"
        }
    }

    static func compaction(forced: Bool) {
        Counter(label: "agent_compactions_total", dimensions: [("forced", forced ? "true" : "false")]).increment()
    }

    private static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        start.duration(to: .now).inNanoseconds
    }
}
