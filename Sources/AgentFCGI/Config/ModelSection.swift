import AgentCore
import Foundation

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
