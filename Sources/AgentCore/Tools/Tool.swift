import Foundation

/// A tool the agent may call.
///
/// Threading: `call` runs in a task; cancellation of that task (deadline, query cancel) must stop
/// the work promptly. Anything blocking (processes, sockets) belongs on its own thread or the curl
/// loop, never on the cooperative pool. A thrown error becomes an error result, never an aborted query.
public protocol Tool: Sendable {
    /// Name, description and JSON Schema of the arguments, as the model sees them.
    var definition: ToolDefinition { get }
    /// A human-readable name for `tool_call.display_name`.
    var displayName: String { get }
    /// Per-call deadline; nil means the agent's default.
    var timeout: Duration? { get }
    /// Keep only the last N outputs of this tool in the context sent to the model; nil keeps all.
    var ephemeral: Int? { get }

    /// Called with arguments already validated against `definition.parameters`.
    func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput
}

extension Tool {
    public var name: String { definition.name }
    public var displayName: String { definition.name }
    public var timeout: Duration? { nil }
    public var ephemeral: Int? { nil }
}
