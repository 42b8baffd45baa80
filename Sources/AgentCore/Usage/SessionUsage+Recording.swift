import Foundation

extension SessionUsage {
    /// Counts one model call. With no price the model's cost stays nil (unknown, never 0).
    public mutating func record(model: String, tokens: TokenUsage, price: ModelPrice?) {
        var entry = byModel[model] ?? ModelUsage(model: model)
        entry.promptTokens += tokens.promptTokens
        entry.promptCachedTokens += tokens.cachedPromptTokens
        entry.completionTokens += tokens.completionTokens
        entry.invocations += 1
        if let price {
            entry.cost = (entry.cost ?? 0) + price.cost(of: tokens)
        }
        byModel[model] = entry
    }
}
