import AgentCore

enum AgentSection {
    static let defaultSystemPrompt = "You are a helpful assistant. Use the tools when they help, and answer concisely."

    static func read(_ source: ConfigSource) throws -> AgentSettings {
        // Retries live in the model client (`model.max_attempts`, `RetryingChatModel`).
        var settings = AgentSettings()
        settings.maxIterations = try source.int("agent.max_iterations", default: settings.maxIterations, range: 1...10_000)
        settings.requireDoneTool = try source.bool("agent.require_done_tool", default: settings.requireDoneTool)
        settings.maxConcurrentTools = try source.int("agent.max_parallel_tools", default: settings.maxConcurrentTools,
                                                     range: 1...256)
        if let seconds = try source.double("agent.tool_timeout_seconds") {
            guard seconds > 0 else { throw source.error("agent.tool_timeout_seconds", "must be > 0") }
            settings.defaultToolTimeout = .milliseconds(Int(seconds * 1000))
        }
        if let seconds = try source.double("agent.query_timeout_seconds"), seconds > 0 {
            settings.queryTimeout = .milliseconds(Int(seconds * 1000))
        }
        settings.compaction.enabled = try source.bool("agent.compaction.enabled", default: settings.compaction.enabled)
        settings.compaction.thresholdRatio = try source.double("agent.compaction.threshold_ratio",
                                                               default: settings.compaction.thresholdRatio, range: 0.05...1)
        settings.compaction.keepRecentTurns = try source.int("agent.compaction.keep_recent_turns",
                                                             default: settings.compaction.keepRecentTurns, range: 0...1000)
        let maxTokens = try source.int("agent.budget.max_tokens", default: 0, range: 0...Int.max)
        let maxCost = try source.double("agent.budget.max_cost", default: 0, range: 0...1e12)
        settings.budget = Budget(maxTotalTokens: maxTokens == 0 ? nil : maxTokens, maxCost: maxCost == 0 ? nil : maxCost)
        settings.approval = try approval(source)
        var options = ChatOptions()
        options.temperature = try source.double("model.temperature")
        options.maxTokens = try source.int("model.max_tokens")
        options.thinkingBudgetTokens = try source.int("model.thinking_budget_tokens")
        settings.chatOptions = options
        return settings
    }

    /// `agent.approval`: the gated tools (names or globs, checked for shape only: an MCP tool may
    /// appear after its server starts) and the timeout (0: forever).
    static func approval(_ source: ConfigSource) throws -> ApprovalSettings {
        var approval = ApprovalSettings()
        for pattern in try source.stringArray("agent.approval.tools") ?? [] {
            let trimmed = pattern.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed == pattern else {
                throw source.error("agent.approval.tools", "entry \(pattern.debugDescription) is empty or has surrounding spaces")
            }
            if !approval.tools.contains(pattern) { approval.tools.append(pattern) }
        }
        let seconds = try source.double("agent.approval.timeout_seconds", default: 86_400, range: 0...1e9)
        approval.timeout = seconds == 0 ? nil : .milliseconds(Int64(seconds * 1000))
        return approval
    }
}
