import Foundation

public struct ChatOptions: Sendable, Hashable {
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var stop: [String]
    /// Anthropic extended thinking budget; nil leaves thinking off.
    public var thinkingBudgetTokens: Int?

    public init(temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil, stop: [String] = [],
                thinkingBudgetTokens: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.thinkingBudgetTokens = thinkingBudgetTokens
    }
}
