import Foundation

/// What one model costs, in US dollars per million tokens.
public struct ModelPrice: Sendable, Hashable {
    public var input: Double
    /// Prompt tokens served from the provider's cache; nil means they cost like `input`.
    public var cachedInput: Double?
    public var output: Double

    public init(input: Double, cachedInput: Double? = nil, output: Double) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
    }

    /// The cost of one call. `promptTokens` includes the cached ones (see `TokenUsage`).
    public func cost(of usage: TokenUsage) -> Double {
        let cached = min(max(usage.cachedPromptTokens, 0), usage.promptTokens)
        let uncached = usage.promptTokens - cached
        let perMillion = Double(uncached) * input + Double(cached) * (cachedInput ?? input)
            + Double(usage.completionTokens) * output
        return perMillion / 1_000_000
    }
}
