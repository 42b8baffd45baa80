import AgentCore
import Foundation
import Logging

enum ResponderSection {
    static func read(_ source: ConfigSource) throws -> ResponderSettings {
        let listener: ResponderSettings.Listener
        if let listen = source.nonEmptyString("server.listen") {
            listener = try tcpListener(listen, allowNonLoopback: try source.bool("server.allow_non_loopback", default: false),
                                       source: source)
        } else if let socket = source.nonEmptyString("server.socket") {
            listener = .unixSocket(path: socket, group: source.nonEmptyString("server.socket_group"))
        } else {
            listener = .inheritedStandardInput
        }
        var settings = ResponderSettings(listener: listener)
        settings.workers = try source.int("server.workers", default: settings.workers, range: 1...10_000)
        settings.drainSeconds = try source.double("server.drain_seconds", default: settings.drainSeconds, range: 0...3600)
        settings.heartbeatSeconds = try source.double("server.heartbeat_seconds", default: settings.heartbeatSeconds,
                                                      range: 0.05...3600)
        settings.maxBodyBytes = try source.int("server.max_body_bytes", default: settings.maxBodyBytes, range: 0...(1 << 30))
        settings.basePath = ResponderSettings.normalizedBasePath(source.string("server.base_path", default: ""))
        settings.writeTimeoutSeconds = try source.double("server.write_timeout_seconds",
                                                         default: settings.writeTimeoutSeconds, range: 0.1...3600)
        settings.readTimeoutSeconds = try source.double("server.read_timeout_seconds",
                                                        default: settings.readTimeoutSeconds, range: 0.1...3600)
        settings.maxParamsBytes = try source.int("server.max_params_bytes", default: settings.maxParamsBytes,
                                                 range: 1024...(16 << 20))
        settings.slowRequestSeconds = try source.double("server.slow_request_seconds",
                                                        default: settings.slowRequestSeconds, range: 0...86_400)
        return settings
    }

    static func tcpListener(_ listen: String, allowNonLoopback: Bool, source: ConfigSource) throws -> ResponderSettings.Listener {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw source.error("server.listen", "expected HOST:PORT, got \(listen.debugDescription)")
        }
        let host = String(listen[..<colon])
        guard host == "localhost" || host.hasPrefix("127.") || allowNonLoopback else {
            throw source.error("server.listen", "\(listen) is not loopback; the FastCGI port must be reachable by the web "
                               + "server alone (set server.allow_non_loopback: true to insist)")
        }
        return .tcp(host: host, port: port)
    }
}

enum ModelSection {
    static func read(_ source: ConfigSource, environment: [String: String]) throws -> ModelSettings {
        let provider = try source.choice("model.provider", default: ModelSettings.Provider.openai)
        let fallbackKeyVariable = provider == .openai ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY"
        let apiKey: ModelSettings.APIKeySource
        if let file = source.nonEmptyString("model.api_key_file") {
            apiKey = .file(file)
        } else if let variable = source.nonEmptyString("model.api_key_env") {
            apiKey = .environment(variable)
        } else if environment[fallbackKeyVariable]?.isEmpty == false {
            apiKey = .environment(fallbackKeyVariable)
        } else {
            apiKey = .none
        }
        var baseURL = source.nonEmptyString("model.base_url")
        if baseURL == nil, provider == .openai { baseURL = environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } }
        if let url = baseURL, URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw source.error("model.base_url", "expected an http(s) URL, got \(url.debugDescription)")
        }
        var headers: [String: String] = [:]
        for line in try source.stringArray("model.headers") ?? [] {
            guard let colon = line.firstIndex(of: ":") else {
                throw source.error("model.headers", "each header is \"Name: value\", got \(line.debugDescription)")
            }
            headers[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                HTTPToolSpec.expandEnvironment(String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces),
                                               environment)
        }
        let contextWindow = try source.int("model.context_window", default: 128_000, range: 0...100_000_000)
        var retry = RetryPolicy()
        retry.maxAttempts = try source.int("model.max_attempts", default: retry.maxAttempts, range: 1...20)
        return ModelSettings(
            provider: provider, baseURL: baseURL, model: source.string("model.name", default: "gpt-4o-mini"),
            apiKey: apiKey, apiKeyHeader: source.nonEmptyString("model.api_key_header"),
            apiVersion: source.nonEmptyString("model.api_version"),
            connectTimeout: try source.double("model.connect_timeout_seconds", default: 10, range: 0.1...600),
            requestTimeout: try source.double("model.request_timeout_seconds", default: 600, range: 1...86_400),
            stallTimeout: try source.int("model.stall_timeout_seconds", default: 120, range: 1...86_400),
            extraHeaders: headers, contextWindow: contextWindow == 0 ? nil : contextWindow, retry: retry)
    }
}

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
        var options = ChatOptions()
        options.temperature = try source.double("model.temperature")
        options.maxTokens = try source.int("model.max_tokens")
        options.thinkingBudgetTokens = try source.int("model.thinking_budget_tokens")
        settings.chatOptions = options
        return settings
    }
}

enum SessionsSection {
    static func read(_ source: ConfigSource) throws -> SessionSettings {
        var settings = SessionSettings()
        let minutes = try source.double("sessions.session_timeout_minutes", default: 60, range: 0.001...525_600)
        settings.sessionTimeout = .milliseconds(Int(minutes * 60_000))
        let interval = try source.double("sessions.cleanup_interval_seconds", default: 300, range: 0.01...86_400)
        settings.cleanupInterval = .milliseconds(Int(interval * 1000))
        settings.maxSessions = try source.int("sessions.max_sessions", default: settings.maxSessions, range: 1...10_000_000)
        settings.concurrencyPolicy = try source.choice("sessions.concurrency", default: settings.concurrencyPolicy)
        settings.maxQueuePerSession = try source.int("sessions.max_queue_per_session",
                                                     default: settings.maxQueuePerSession, range: 0...10_000)
        settings.onDisconnect = try source.choice("sessions.on_disconnect", default: settings.onDisconnect)
        return settings
    }
}

enum LoggingSection {
    static func read(_ source: ConfigSource) throws -> LoggingSettings {
        var settings = LoggingSettings()
        if let level = source.nonEmptyString("logging.level") {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw source.error("logging.level", "expected one of trace, debug, info, notice, warning, error, critical, "
                                   + "got \(level.debugDescription)")
            }
            settings.level = parsed
        }
        settings.format = try source.choice("logging.format", default: settings.format)
        settings.file = source.nonEmptyString("logging.file")
        return settings
    }
}
