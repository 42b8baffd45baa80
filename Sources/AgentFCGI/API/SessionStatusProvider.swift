import AgentCore
import Foundation
import Synchronization

/// `/health` and `/status` facts from the session layer, the snapshot store and the MCP servers.
///
/// `/health` counts only the caller's sessions (an anonymous caller: those without a
/// principal), like every listing. `/status` and `/metrics` are the operator's views and count
/// everyone's: numbers, never ids; the shipped nginx conf keeps them to loopback.
struct SessionStatusProvider: ServiceStatusProvider {
    let service: AgentService
    let storeHealth: @Sendable () async -> StoreHealthReport
    /// The MCP servers in use now (replaced on reload).
    let mcp: @Sendable () -> MCPServerPool
    /// Why a required MCP server keeps queries out now, if one does (`/health`'s hot path).
    let mcpUnavailableReason: @Sendable () -> String?
    private let storedCount = StoredCountCache()
    private let callerCounts = CallerCountCaches()

    init(service: AgentService, storeHealth: @escaping @Sendable () async -> StoreHealthReport,
         mcp: @escaping @Sendable () -> MCPServerPool = { .empty },
         mcpUnavailableReason: (@Sendable () -> String?)? = nil) {
        self.service = service
        self.storeHealth = storeHealth
        self.mcp = mcp
        self.mcpUnavailableReason = mcpUnavailableReason ?? { mcp().unavailableReason }
    }

    /// Degraded while the store cannot take writes or a required MCP server is not up.
    func health(caller: String?) async -> HealthReport {
        let store = await storeHealth()
        let sessions = service.sessions
        var active = await callerCounts.cache(for: caller).value { try await sessions.count(owner: caller) }
        if active == nil { active = await sessions.inMemoryCount(in: .owner(caller)) }
        let healthy = store.writable && mcpUnavailableReason() == nil
        return HealthReport(status: healthy ? "healthy" : "degraded", activeSessions: active ?? 0)
    }

    func statusFields() async -> [(String, JSONValue)] {
        let counters = service.sessions.counters
        let store = await storeHealth()
        let stored = await storedCount.value { try await service.sessions.totalCount() }
        let backing = service.sessions.store
        var storeFields: [(String, JSONValue)] = [("writable", .bool(store.writable)), ("backend", .string(backing.backendName)),
                                                  ("lease_seconds", .number(backing.lease.duration.inSeconds))]
        if let problem = store.problem { storeFields.append(("problem", .string(problem))) }
        if let pool = backing.poolUsage {
            storeFields.append(("pool", .object(["size": .number(Double(pool.size)), "in_use": .number(Double(pool.inUse))])))
        }
        if let check = (service.sessions.store as? SQLiteSessionStore)?.integrityCheck {
            var fields: [String: JSONValue] = ["state": .string(check.state.rawValue)]
            if let seconds = check.durationSeconds { fields["duration_ms"] = .number((seconds * 1000).rounded()) }
            if let problem = check.problem { fields["problem"] = .string(problem) }
            storeFields.append(("integrity_check", .object(fields)))
        }
        return [
            ("instance_id", .string(backing.lease.owner)),
            ("sessions", .object([
                "in_memory": .number(Double(service.sessions.inMemoryCountSnapshot)),
                "holding_history": .number(Double(counters.holdingHistory.load(ordering: .relaxed))),
                "stored": stored.map { .number(Double($0)) } ?? .null,
                "created": .number(Double(counters.created.load(ordering: .relaxed))),
                "loaded_from_store": .number(Double(counters.loaded.load(ordering: .relaxed))),
                "evicted": .number(Double(counters.evicted.load(ordering: .relaxed))),
                "expired": .number(Double(counters.expired.load(ordering: .relaxed))),
                "cache_reloads": .number(Double(counters.cacheReloads.load(ordering: .relaxed))),
            ])),
            ("leases", .object([
                "renewals": .number(Double(counters.leaseRenewals.load(ordering: .relaxed))),
                "takeovers": .number(Double(counters.takeovers.load(ordering: .relaxed))),
                "lost": .number(Double(counters.leasesLost.load(ordering: .relaxed))),
            ])),
            ("store", .object(Dictionary(uniqueKeysWithValues: storeFields))),
            ("mcp_servers", .object(Dictionary(uniqueKeysWithValues: mcp().statuses.map { ($0.name, $0.json) }))),
        ]
    }
}
