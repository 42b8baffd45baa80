import Foundation

/// Why a model call failed. Each case says whether retrying can help.
public enum LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 401/403: the key is wrong or lacks access. Never retried.
    case authentication(status: Int, message: String)
    /// 429: honour `retryAfter` (seconds) when the provider sent one.
    case rateLimited(retryAfter: Double?, message: String)
    /// 5xx from the provider.
    case server(status: Int, message: String)
    /// Other 4xx: the request itself is wrong. Never retried.
    case badRequest(status: Int, message: String)
    /// The prompt does not fit the model's context window.
    case contextOverflow(message: String)
    /// Connect timeout, deadline or stall.
    case timeout(message: String)
    /// Could not connect, or the connection broke (a stream cut mid-way lands here).
    case connection(message: String)
    /// The provider answered something we cannot read.
    case badResponse(message: String)
    case cancelled

    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .server, .timeout, .connection: return true
        case .authentication, .badRequest, .contextOverflow, .badResponse, .cancelled: return false
        }
    }

    public var description: String {
        switch self {
        case .authentication(let status, let message): return "LLM authentication failed (HTTP \(status)): \(message)"
        case .rateLimited(let retryAfter, let message):
            return "LLM rate limited\(retryAfter.map { " (retry after \($0)s)" } ?? ""): \(message)"
        case .server(let status, let message): return "LLM server error (HTTP \(status)): \(message)"
        case .badRequest(let status, let message): return "LLM rejected the request (HTTP \(status)): \(message)"
        case .contextOverflow(let message): return "LLM context window exceeded: \(message)"
        case .timeout(let message): return "LLM call timed out: \(message)"
        case .connection(let message): return "LLM connection failed: \(message)"
        case .badResponse(let message): return "LLM sent an unreadable response: \(message)"
        case .cancelled: return "LLM call cancelled"
        }
    }
}
