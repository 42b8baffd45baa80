import AgentCore

extension SessionStore {
    /// The store's health after a probe write (at most one per probe interval, cached in
    /// between), for `/health`: a store made unwritable while idle shows as degraded without
    /// waiting for a query to fail on it.
    func probedHealthReport() async -> StoreHealthReport {
        switch await checkHealth() {
        case .healthy: return StoreHealthReport(writable: true, problem: nil)
        case .degraded(let reason): return StoreHealthReport(writable: false, problem: reason)
        }
    }
}
