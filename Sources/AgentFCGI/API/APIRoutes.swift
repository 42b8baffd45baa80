import AgentCore

/// The one place every route group is registered. New groups (sessions, agent, metrics) add a
/// `register(on:)` call here.
enum APIRoutes {
    struct Dependencies: Sendable {
        let stats: ResponderStats
        let status: any ServiceStatusProvider
        /// The agent API; nil serves the responder's own endpoints only (tests of the responder).
        var service: AgentService?
        /// `/metrics`; nil leaves it out (tests that need no metrics).
        var metrics: MetricsRoutes?
    }

    static func makeRouter(_ dependencies: Dependencies) -> Router {
        var router = Router()
        HealthRoutes(provider: dependencies.status).register(on: &router)
        StatusRoutes(stats: dependencies.stats, provider: dependencies.status).register(on: &router)
        DiagnosticsRoutes().register(on: &router)
        dependencies.metrics?.register(on: &router)
        if let service = dependencies.service {
            SessionRoutes(service: service).register(on: &router)
            AgentRoutes(service: service).register(on: &router)
            EventRoutes(service: service).register(on: &router)
            ApprovalRoutes(service: service).register(on: &router)
            ToolRoutes(service: service).register(on: &router)
            OpenAIRoutes(service: service).register(on: &router)
        }
        return router
    }
}
