import Foundation

/// A session's usage across every model call it made (docs/API.md §1 `Usage`).
public struct SessionUsage: Sendable, Hashable, Codable {
    public var byModel: [String: ModelUsage] = [:]

    public init() {}

    public var totalPromptTokens: Int { byModel.values.reduce(0) { $0 + $1.promptTokens } }
    public var totalPromptCachedTokens: Int { byModel.values.reduce(0) { $0 + $1.promptCachedTokens } }
    public var totalCompletionTokens: Int { byModel.values.reduce(0) { $0 + $1.completionTokens } }
    public var totalTokens: Int { totalPromptTokens + totalCompletionTokens }

    /// nil when any model used has no price (a partial sum would understate the bill).
    public var totalCost: Double? {
        var sum = 0.0
        for usage in byModel.values {
            guard let cost = usage.cost else { return nil }
            sum += cost
        }
        return sum
    }

    public var json: JSONValue {
        .object([
            "total_tokens": .number(Double(totalTokens)),
            "total_prompt_tokens": .number(Double(totalPromptTokens)),
            "total_prompt_cached_tokens": .number(Double(totalPromptCachedTokens)),
            "total_completion_tokens": .number(Double(totalCompletionTokens)),
            "total_cost": totalCost.map(JSONValue.number) ?? .null,
            "by_model": .object(byModel.mapValues(\.json)),
        ])
    }
}
