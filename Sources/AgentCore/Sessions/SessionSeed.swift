import Foundation

/// What a session created by a query starts with when the client brings a conversation of its
/// own (the OpenAI front door: a stateless call carries the whole conversation). Applies only
/// when the query creates the session; an existing session keeps what it has.
public struct SessionSeed: Sendable, Hashable {
    public var systemPrompt: String?
    public var model: String?
    /// Earlier messages, oldest first, without the system prompt and without the query's own message.
    public var history: [ChatMessage]

    public init(systemPrompt: String? = nil, model: String? = nil, history: [ChatMessage] = []) {
        self.systemPrompt = systemPrompt
        self.model = model
        self.history = history
    }
}
