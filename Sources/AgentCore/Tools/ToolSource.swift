/// Tools whose list changes while the server runs (MCP servers), offered after a registry's
/// own tools. Read at the start of each query and for `GET /tools`.
public protocol ToolSource: Sendable {
    /// The tools to offer now; `reserved` names are taken by tools offered before these.
    func tools(reserved: Set<String>) -> [any Tool]
}
