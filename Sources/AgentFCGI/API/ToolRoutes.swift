import AgentCore

/// `GET /tools` (docs/API.md §3): the tools new queries may use, for clients to show; an MCP
/// tool also names its server (`tools.mcp.NAME`).
struct ToolRoutes {
    let service: AgentService

    func register(on router: inout Router) {
        let service = self.service
        router.get("/tools") { _ in
            let tools = service.profile.runner.toolListing.map { listing -> JSONValue in
                var fields: [String: JSONValue] = ["name": .string(listing.definition.name),
                                                   "description": .string(listing.definition.description),
                                                   "parameters": listing.definition.parameters]
                if let server = listing.server { fields["server"] = .string(server) }
                return .object(fields)
            }
            return .json(fields: [("tools", .array(tools))])
        }
    }
}
