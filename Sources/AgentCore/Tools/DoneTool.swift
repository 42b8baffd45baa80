import Foundation

/// Offered when `AgentSettings.requireDoneTool` is on: calling it ends the query, and its
/// `message` argument is the final answer. The agent recognises it by name; `call` only
/// acknowledges it for the history.
public struct DoneTool: Tool {
    public static let name = "done"

    public init() {}

    public var definition: ToolDefinition {
        ToolDefinition(
            name: Self.name,
            description: "Call this once the task is complete. The message is your final answer to the user.",
            parameters: [
                "type": "object",
                "properties": ["message": ["type": "string", "description": "The final answer to the user"]],
                "required": ["message"],
                "additionalProperties": false,
            ])
    }

    public var displayName: String { "Done" }

    public func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        ToolOutput(content: arguments["message"]?.stringValue ?? "")
    }
}
