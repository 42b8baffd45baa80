import Foundation

/// Runs one query of a session: the seam between sessions (which own state, ordering and
/// persistence) and the agent loop (which talks to the model and tools).
///
/// Contract:
/// - `emit` receives every event in order, ending with exactly one `final` or `error`
///   (the session appends `usage` itself). `emit` is awaited: back-pressure is allowed.
/// - `checkpoint` is called after each completed step (model turn plus its tool results) with
///   the full valid history; if it throws, the run ends with `error{code:"internal"}`.
/// - Cancellation of the calling task ends the run promptly with `final{status:"cancelled"}`;
///   the returned history is still valid (missing tool results filled with "cancelled").
public protocol QueryRunner: Sendable {
    /// The tools the model may call.
    var toolDefinitions: [ToolDefinition] { get }
    /// The same, with the MCP server each comes from, for `GET /tools`.
    var toolListing: [ToolListing] { get }

    /// `context` says which session, owner and query the run belongs to (tools receive it);
    /// `input` is the user's message (which may hold images) and the query's options.
    func run(
        context: QueryContext,
        history: [ChatMessage],
        input: QueryInput,
        usage: SessionUsage,
        emit: @escaping @Sendable (AgentEvent) async -> Void,
        checkpoint: @escaping @Sendable (QueryCheckpoint) async throws -> Void
    ) async -> QueryOutcome
}

extension QueryRunner {
    public var toolListing: [ToolListing] { toolDefinitions.map { ToolListing(definition: $0) } }
}
