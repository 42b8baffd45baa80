/// A tool as an MCP server lists it, in our JSON types.
public struct MCPToolInfo: Sendable, Hashable {
    public var name: String
    public var title: String?
    public var description: String
    /// The server's `inputSchema`, always an object schema (providers require `type: object`).
    public var inputSchema: JSONValue

    public init(name: String, title: String? = nil, description: String, inputSchema: JSONValue) {
        self.name = name
        self.title = title
        self.description = description
        var schema = inputSchema.objectValue ?? [:]
        if schema["type"] == nil { schema["type"] = "object" }
        self.inputSchema = .object(schema)
    }
}
