import AgentCore

extension SQLiteSnapshotStore {
    /// The store's health as `/health` and `/status` report it, without I/O.
    var healthReport: StoreHealthReport {
        switch health {
        case .healthy: return StoreHealthReport(writable: true, problem: nil)
        case .degraded(let reason): return StoreHealthReport(writable: false, problem: reason)
        }
    }
}
