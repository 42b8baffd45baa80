/// One tool of an MCP server as the agent offers it: the exposed (prefixed, sanitised) name,
/// the server's description and schema; calls go through the server's supervisor.
///
/// Threading: a value; `call` runs in the query's task and only suspends (see `MCPServer`).
public struct MCPTool: Tool {
    public let server: MCPServer
    public let info: MCPToolInfo
    public let definition: ToolDefinition

    public init(server: MCPServer, info: MCPToolInfo) {
        self.server = server
        self.info = info
        let description = info.description.isEmpty ? "\(info.name) (from MCP server \(server.name))" : info.description
        definition = ToolDefinition(name: MCPToolName.exposed(prefix: server.spec.prefix, tool: info.name),
                                    description: description, parameters: info.inputSchema)
    }

    public var displayName: String { info.title ?? "\(server.name): \(info.name)" }

    /// A backstop only: the server's own limits (waiting for a reconnect, then the call, once
    /// more after a lost connection) end the call first, with a clearer message.
    public var timeout: Duration? {
        server.spec.startupTimeout * 2 + server.spec.callTimeout * 2 + .seconds(5)
    }

    public func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        try await server.call(tool: info.name, arguments: arguments, context: context)
    }
}
