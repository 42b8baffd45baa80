import Foundation

/// Token counts of one model call, as the provider reported them.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// All prompt tokens, cached ones included.
    public var promptTokens: Int
    /// The part of `promptTokens` served from the provider's prompt cache.
    public var cachedPromptTokens: Int
    /// All completion tokens, reasoning included (never counted twice).
    public var completionTokens: Int
    /// The part of `completionTokens` spent on reasoning, when the provider says.
    public var reasoningTokens: Int

    public init(promptTokens: Int = 0, cachedPromptTokens: Int = 0, completionTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }
}
