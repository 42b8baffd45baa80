import Foundation

/// When and how long to wait before retrying a failed model call.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// No retry starts later than this many seconds after the first attempt began.
    public var totalBudget: Double
    /// Each delay is scaled by a random factor in 1 ± jitter.
    public var jitter: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 30, totalBudget: Double = 120,
                jitter: Double = 0.2) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.totalBudget = totalBudget
        self.jitter = jitter
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` after `error` failed attempt `attempt` (1-based),
    /// or nil when the error is final. A provider's Retry-After wins over the backoff.
    public func delay(after error: LLMError, attempt: Int, elapsed: Double) -> Double? {
        guard error.isRetryable, attempt < maxAttempts else { return nil }
        var wait: Double
        if case .rateLimited(let retryAfter?, _) = error {
            wait = retryAfter
        } else {
            wait = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
            if jitter > 0 { wait *= Double.random(in: (1 - jitter)...(1 + jitter)) }
        }
        guard elapsed + wait <= totalBudget else { return nil }
        return max(0, wait)
    }
}
