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

extension SessionUsage {
    /// Both usages together, model by model (a session's lifetime is what it cleared away plus
    /// what it used since). A model's cost stays nil when either side does not know it.
    public func adding(_ other: SessionUsage) -> SessionUsage {
        // Nothing cleared yet (nearly every session): share the other's storage instead of
        // copying it, one dictionary fewer per session held in memory.
        if byModel.isEmpty { return other }
        var sum = self
        for (model, theirs) in other.byModel {
            guard var entry = sum.byModel[model] else {
                sum.byModel[model] = theirs
                continue
            }
            entry.promptTokens += theirs.promptTokens
            entry.promptCachedTokens += theirs.promptCachedTokens
            entry.completionTokens += theirs.completionTokens
            entry.invocations += theirs.invocations
            entry.cost = entry.cost.flatMap { mine in theirs.cost.map { mine + $0 } }
            sum.byModel[model] = entry
        }
        return sum
    }
}
