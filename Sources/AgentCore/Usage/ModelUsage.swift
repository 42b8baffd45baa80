import Foundation

/// Token totals and cost of one model within a session (docs/API.md §1 `by_model` entry).
public struct ModelUsage: Sendable, Hashable, Codable {
    public var model: String
    public var promptTokens: Int = 0
    public var promptCachedTokens: Int = 0
    public var completionTokens: Int = 0
    public var invocations: Int = 0
    /// nil when the model has no price: cost unknown, never 0.
    public var cost: Double?

    public init(model: String) {
        self.model = model
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public var averageTokensPerInvocation: Double {
        invocations == 0 ? 0 : Double(totalTokens) / Double(invocations)
    }

    public var json: JSONValue {
        .object([
            "model": .string(model),
            "prompt_tokens": .number(Double(promptTokens)),
            "prompt_cached_tokens": .number(Double(promptCachedTokens)),
            "completion_tokens": .number(Double(completionTokens)),
            "total_tokens": .number(Double(totalTokens)),
            "cost": cost.map(JSONValue.number) ?? .null,
            "invocations": .number(Double(invocations)),
            "average_tokens_per_invocation": .number(averageTokensPerInvocation),
        ])
    }
}
