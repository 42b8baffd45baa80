import Foundation

/// A thinking block exactly as a provider returned it, for providers that verify it when it is
/// sent back (Anthropic signs thinking; a tool-use turn must echo it unchanged).
public struct ReasoningBlock: Sendable, Hashable, Codable {
    /// Readable thinking and its signature; nil for a redacted block.
    public var thinking: String?
    public var signature: String?
    /// The encrypted content of a redacted block.
    public var redactedData: String?

    public init(thinking: String? = nil, signature: String? = nil, redactedData: String? = nil) {
        self.thinking = thinking
        self.signature = signature
        self.redactedData = redactedData
    }
}
