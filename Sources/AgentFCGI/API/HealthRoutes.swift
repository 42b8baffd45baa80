import AgentCore

/// `GET /health` (docs/API.md §1) and `GET /ping` (§3): liveness checks for load balancers and operators.
struct HealthRoutes {
    let provider: any ServiceStatusProvider

    func register(on router: inout Router) {
        let provider = self.provider
        router.get("/health") { request in
            let report = await provider.health(caller: request.remoteUser)
            return .json(fields: [("status", .string(report.status)), ("version", .string(AgentCoreInfo.version)),
                                  ("active_sessions", .number(Double(report.activeSessions)))])
        }
        // Touches nothing but the FastCGI path, so it measures exactly that.
        router.get("/ping") { _ in .text("pong") }
    }
}
