import Foundation

/// One query as the session hands it to its runner: the user's message (text, or parts with
/// images) and its options.
public struct QueryInput: Sendable, Hashable {
    public var message: ChatMessage
    public var options: QueryOptions

    public init(message: ChatMessage, options: QueryOptions = QueryOptions()) {
        self.message = message
        self.options = options
    }

    public init(text: String, options: QueryOptions = QueryOptions()) {
        self.init(message: .user(text), options: options)
    }
}
