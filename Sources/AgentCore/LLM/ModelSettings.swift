import Foundation

/// How to reach one model. Built by the configuration loader; the API key itself is read only
/// when a model is made, and never appears in `description`.
public struct ModelSettings: Sendable, Hashable, CustomStringConvertible {
    public enum Provider: String, Sendable, Hashable, CaseIterable {
        case openai, anthropic
    }

    public enum APIKeySource: Sendable, Hashable {
        case none
        /// The name of an environment variable holding the key.
        case environment(String)
        /// A file whose content (trimmed) is the key.
        case file(String)
        /// A key given directly (tests, programmatic use).
        case literal(String)
    }

    public var provider: Provider
    /// OpenAI: up to and including the version segment ("https://api.openai.com/v1", an Azure
    /// ".../openai/deployments/NAME"); `/chat/completions` is appended. Anthropic: the host
    /// ("https://api.anthropic.com"); `/v1/messages` is appended.
    public var baseURL: String
    public var model: String
    public var apiKey: APIKeySource
    /// OpenAI only: send the key in this header instead of `Authorization: Bearer` (Azure: "api-key").
    public var apiKeyHeader: String?
    /// OpenAI: the `api-version` query parameter (Azure). Anthropic: the `anthropic-version` header.
    public var apiVersion: String?
    public var connectTimeout: Double
    /// Deadline for one whole call, streaming included.
    public var requestTimeout: Double
    /// A call with no bytes for this many seconds is abandoned as stalled.
    public var stallTimeout: Int
    public var extraHeaders: [String: String]
    public var contextWindow: Int?
    public var retry: RetryPolicy

    public init(provider: Provider, baseURL: String? = nil, model: String, apiKey: APIKeySource = .none,
                apiKeyHeader: String? = nil, apiVersion: String? = nil, connectTimeout: Double = 10,
                requestTimeout: Double = 600, stallTimeout: Int = 120, extraHeaders: [String: String] = [:],
                contextWindow: Int? = nil, retry: RetryPolicy = RetryPolicy()) {
        self.provider = provider
        self.baseURL = baseURL ?? Self.defaultBaseURL(provider)
        self.model = model
        self.apiKey = apiKey
        self.apiKeyHeader = apiKeyHeader
        self.apiVersion = apiVersion
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.stallTimeout = stallTimeout
        self.extraHeaders = extraHeaders
        self.contextWindow = contextWindow
        self.retry = retry
    }

    public static func defaultBaseURL(_ provider: Provider) -> String {
        switch provider {
        case .openai: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com"
        }
    }

    var timeouts: HTTPTimeouts {
        HTTPTimeouts(connect: connectTimeout, total: requestTimeout, stallSeconds: stallTimeout)
    }

    /// Reads the key from its source. Blocking file I/O: call at start-up or reload, not per request.
    public func resolveAPIKey() throws -> String? {
        switch apiKey {
        case .none: return nil
        case .literal(let key): return key
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ModelSettingsError(message: "environment variable \(name) for the \(provider.rawValue) API key is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ModelSettingsError(message: "cannot read the \(provider.rawValue) API key file \(path)")
            }
            let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw ModelSettingsError(message: "the API key file \(path) is empty") }
            return key
        }
    }

    public var description: String {
        let key: String
        switch apiKey {
        case .none: key = "none"
        case .environment(let name): key = "env:\(name)"
        case .file(let path): key = "file:\(path)"
        case .literal: key = "<redacted>"
        }
        let headers = extraHeaders.keys.sorted().map { "\($0): <redacted>" }.joined(separator: ", ")
        return "\(provider.rawValue) model \(model) at \(baseURL) (key \(key), connect \(connectTimeout)s, "
            + "deadline \(requestTimeout)s, stall \(stallTimeout)s, context \(contextWindow.map(String.init) ?? "unknown")"
            + (headers.isEmpty ? "" : ", headers \(headers)") + ")"
    }
}

public struct ModelSettingsError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
