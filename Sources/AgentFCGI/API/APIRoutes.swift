/// The one place every route group is registered. New groups (sessions, agent, metrics) add a
/// `register(on:)` call here.
enum APIRoutes {
    struct Dependencies: Sendable {
        let stats: ResponderStats
        let status: any ServiceStatusProvider
    }

    static func makeRouter(_ dependencies: Dependencies) -> Router {
        var router = Router()
        HealthRoutes(provider: dependencies.status).register(on: &router)
        StatusRoutes(stats: dependencies.stats, provider: dependencies.status).register(on: &router)
        DiagnosticsRoutes().register(on: &router)
        return router
    }
}
