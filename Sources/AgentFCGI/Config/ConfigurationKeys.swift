/// Every key the configuration file may hold, so a typo is an error at start rather than a
/// setting silently ignored.
enum ConfigurationKeys {
    static let scalar: Set<String> = [
        "server.socket", "server.socket_group", "server.listen", "server.allow_non_loopback", "server.workers",
        "server.acceptors", "server.spare_workers",
        "server.drain_seconds", "server.heartbeat_seconds", "server.max_body_bytes", "server.base_path",
        "server.write_timeout_seconds", "server.slow_request_seconds", "server.read_timeout_seconds",
        "server.max_params_bytes", "server.instance_id",
        "model.provider", "model.base_url", "model.name", "model.api_key_env", "model.api_key_file",
        "model.api_key_header", "model.api_version", "model.context_window", "model.connect_timeout_seconds",
        "model.request_timeout_seconds", "model.stall_timeout_seconds", "model.max_attempts", "model.temperature",
        "model.max_tokens", "model.headers", "model.thinking_budget_tokens", "model.allowed", "model.context_windows",
        "agent.system_prompt", "agent.max_iterations", "agent.require_done_tool", "agent.tool_timeout_seconds",
        "agent.max_parallel_tools", "agent.query_timeout_seconds", "agent.compaction.enabled",
        "agent.compaction.threshold_ratio", "agent.compaction.keep_recent_turns", "agent.budget.max_tokens",
        "agent.budget.max_cost", "agent.approval.tools", "agent.approval.timeout_seconds",
        "tools.builtin", "tools.command", "tools.http", "tools.mcp",
        "sessions.session_timeout_minutes", "sessions.cleanup_interval_seconds", "sessions.max_sessions",
        "sessions.concurrency", "sessions.max_queue_per_session", "sessions.on_disconnect",
        "storage.backend", "storage.path", "storage.events_per_session", "storage.url", "storage.password_file",
        "storage.pool_size", "storage.lease_seconds",
        "prices.file", "prices.extra_file",
        "logging.level", "logging.format", "logging.file",
    ]

    static let commandToolFields: Set<String> = [
        "description", "parameters", "argv", "working_directory", "env_allow", "env", "timeout_seconds",
        "output_cap_bytes", "ephemeral", "display_name",
    ]

    static let httpToolFields: Set<String> = [
        "description", "parameters", "method", "url", "headers", "timeout_seconds", "response_cap_bytes",
        "ephemeral", "display_name",
    ]

    static let mcpServerFields: Set<String> = [
        "transport", "argv", "working_directory", "env_allow", "env", "url", "headers", "include", "exclude", "prefix",
        "startup_timeout_seconds", "call_timeout_seconds", "required", "output_cap_bytes",
    ]

    /// What is wrong with a flattened key, or nil when it is known.
    static func problem(with key: String) -> String? {
        if scalar.contains(key) { return nil }
        // Keyed by model name, which may hold dots of its own (ModelChoiceSection).
        if key.hasPrefix("model.context_windows.") { return nil }
        let parts = key.split(separator: ".").map(String.init)
        if parts.count >= 3, parts[0] == "tools", parts[1] == "mcp" {
            if parts.count == 5, parts[3] == "env" { return nil }
            if parts.count == 4, mcpServerFields.contains(parts[3]) { return nil }
            return "unknown field of MCP server \(parts[2]) (known: \(mcpServerFields.sorted().joined(separator: ", ")))"
        }
        if parts.count >= 3, parts[0] == "tools", parts[1] == "command" || parts[1] == "http" {
            let fields = parts[1] == "command" ? commandToolFields : httpToolFields
            // `env` of a command tool is a mapping of its own.
            if parts[1] == "command", parts.count == 5, parts[3] == "env" { return nil }
            if parts.count == 4, fields.contains(parts[3]) { return nil }
            return "unknown field of \(parts[1]) tool \(parts[2]) (known: \(fields.sorted().joined(separator: ", ")))"
        }
        if let suggestion = closest(to: key) { return "unknown key (did you mean \(suggestion)?)" }
        return "unknown key"
    }

    private static func closest(to key: String) -> String? {
        let candidates = scalar.map { ($0, editDistance($0, key)) }.filter { $0.1 <= 3 }
        return candidates.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
