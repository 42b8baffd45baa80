import AgentCore

/// `GET /tools` (docs/API.md §3): the tools new queries may use, for clients to show.
struct ToolRoutes {
    let service: AgentService

    func register(on router: inout Router) {
        let service = self.service
        router.get("/tools") { _ in
            let tools = service.profile.runner.toolDefinitions.map { definition -> JSONValue in
                .object(["name": .string(definition.name), "description": .string(definition.description),
                         "parameters": definition.parameters])
            }
            return .json(fields: [("tools", .array(tools))])
        }
    }
}
