import AgentCore
import CoreMetrics
import Synchronization

/// Series read from the counters `/status` already keeps, brought up to date when `/metrics` is
/// scraped: gauges are set to the current value; counters advance by what their atomic moved
/// since the last scrape. So `/status` and `/metrics` can never disagree, and the hot paths
/// that bump those atomics stay as cheap as they are.
///
/// Threading: `update()` may run from concurrent scrapes; the mirror's lock keeps each
/// counter's advance exact.
final class ScrapeTimeMetrics: Sendable {
    let stats: ResponderStats
    let sessions: SessionManager?
    let factory: any MetricsFactory
    let mcp: @Sendable () -> MCPServerPool
    private let mirrored = Mutex<[String: Int]>([:])

    init(stats: ResponderStats, sessions: SessionManager?, factory: any MetricsFactory,
         mcp: @escaping @Sendable () -> MCPServerPool = { .empty }) {
        self.stats = stats
        self.sessions = sessions
        self.factory = factory
        self.mcp = mcp
    }

    func update() async {
        let total = stats.totalWorkers.load(ordering: .relaxed)
        let busy = stats.busyWorkers.load(ordering: .relaxed)
        gauge("agent_fcgi_workers_busy", busy)
        gauge("agent_fcgi_workers_idle", max(0, total - busy))
        gauge("agent_fcgi_workers_started", stats.startedWorkers.load(ordering: .relaxed))
        gauge("agent_fcgi_http_requests_in_flight", stats.inFlight.load(ordering: .relaxed))
        gauge("agent_fcgi_active_streams", stats.activeStreams.load(ordering: .relaxed))
        Gauge(label: "agent_fcgi_uptime_seconds", factory: factory).record(stats.uptimeSeconds)
        Gauge(label: "agent_fcgi_build_info", dimensions: [("version", AgentCoreInfo.version)], factory: factory).record(1)
        mirror("agent_fcgi_workers_all_busy_total", stats.timesAllBusy.load(ordering: .relaxed))
        mirror("agent_fcgi_client_aborts_total", stats.clientAborts.load(ordering: .relaxed))
        mirror("agent_fcgi_write_timeouts_total", stats.writeTimeouts.load(ordering: .relaxed))
        mirror("agent_fcgi_slow_requests_total", stats.slowRequests.load(ordering: .relaxed))
        mirror("agent_fcgi_read_timeouts_total", stats.readTimeouts.load(ordering: .relaxed))
        mirror("agent_fcgi_rejected_connections_total", stats.rejectedConnections.load(ordering: .relaxed))
        for server in mcp().statuses {
            let label = [("server", server.name)]
            Gauge(label: "agent_mcp_server_up", dimensions: label, factory: factory).record(server.isUp ? 1 : 0)
            Gauge(label: "agent_mcp_server_tools", dimensions: label, factory: factory).record(server.tools)
            mirror("agent_mcp_server_restarts_total", server.restarts, dimensions: label)
        }
        guard let sessions else { return }
        let counters = sessions.counters
        gauge("agent_sessions_in_memory", sessions.inMemoryCountSnapshot)
        if let stored = try? await sessions.totalCount() {
            gauge("agent_sessions_stored", stored)
        }
        mirror("agent_sessions_created_total", counters.created.load(ordering: .relaxed))
        mirror("agent_sessions_loaded_total", counters.loaded.load(ordering: .relaxed))
        mirror("agent_sessions_evicted_total", counters.evicted.load(ordering: .relaxed))
        mirror("agent_sessions_expired_total", counters.expired.load(ordering: .relaxed))
        mirror("agent_session_cache_reloads_total", counters.cacheReloads.load(ordering: .relaxed))
        mirror("agent_lease_renewals_total", counters.leaseRenewals.load(ordering: .relaxed))
        mirror("agent_lease_takeovers_total", counters.takeovers.load(ordering: .relaxed))
        mirror("agent_leases_lost_total", counters.leasesLost.load(ordering: .relaxed))
        if let pool = sessions.store.poolUsage {
            gauge("agent_store_pool_connections", pool.size)
            gauge("agent_store_pool_in_use", pool.inUse)
        }
    }

    private func gauge(_ name: String, _ value: Int) {
        Gauge(label: name, factory: factory).record(value)
    }

    /// Advances the counter `name` to `value`. Registered even at zero, so a dashboard sees the
    /// series before the first event instead of "no data".
    private func mirror(_ name: String, _ value: Int, dimensions: [(String, String)] = []) {
        let key = ([name] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
        mirrored.withLock { last in
            let counter = Counter(label: name, dimensions: dimensions, factory: factory)
            let delta = value - (last[key] ?? 0)
            if delta > 0 { counter.increment(by: delta) }
            last[key] = max(value, last[key] ?? 0)
        }
    }
}
