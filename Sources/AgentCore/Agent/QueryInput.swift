import Foundation

/// One query as the session hands it to its runner: the user's message (text, or parts with
/// images) and its options.
public struct QueryInput: Sendable, Hashable {
    public var message: ChatMessage
    public var options: QueryOptions
    /// Set for the continuation of a paused turn (`POST /sessions/{id}/approvals`): the decision
    /// for each waiting call, by tool call id. `message` is then not sent: the run executes the
    /// approved calls, answers the rejected ones with an error result, and goes on.
    public var decisions: [String: ApprovalDecision]?

    public init(message: ChatMessage, options: QueryOptions = QueryOptions()) {
        self.message = message
        self.options = options
    }

    /// The continuation of a paused turn.
    public static func continuation(_ decisions: [String: ApprovalDecision], options: QueryOptions = QueryOptions()) -> QueryInput {
        var input = QueryInput(message: .user(""), options: options)
        input.decisions = decisions
        return input
    }

    public init(text: String, options: QueryOptions = QueryOptions()) {
        self.init(message: .user(text), options: options)
    }
}
