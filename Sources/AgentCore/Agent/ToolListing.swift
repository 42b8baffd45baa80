import Foundation

/// One tool as `GET /tools` lists it.
public struct ToolListing: Sendable, Hashable {
    public var definition: ToolDefinition
    /// The `tools.mcp` server it comes from; nil for built-in, command and HTTP tools.
    public var server: String?

    public init(definition: ToolDefinition, server: String? = nil) {
        self.definition = definition
        self.server = server
    }
}
