import AgentCore
import Foundation
import Synchronization

/// `/health` and `/status` facts from the session layer, the snapshot store and the MCP servers.
struct SessionStatusProvider: ServiceStatusProvider {
    let service: AgentService
    let storeHealth: @Sendable () async -> StoreHealthReport
    /// The MCP servers in use now (replaced on reload).
    let mcp: @Sendable () -> MCPServerPool
    private let storedCount = StoredCountCache()

    init(service: AgentService, storeHealth: @escaping @Sendable () async -> StoreHealthReport,
         mcp: @escaping @Sendable () -> MCPServerPool = { .empty }) {
        self.service = service
        self.storeHealth = storeHealth
        self.mcp = mcp
    }

    /// Degraded while the store cannot take writes or a required MCP server is not up.
    func health() async -> HealthReport {
        let store = await storeHealth()
        let active = await storedCount.value { try await service.sessions.totalCount() }
            ?? service.sessions.inMemoryCountSnapshot
        let healthy = store.writable && mcp().unavailableReason == nil
        return HealthReport(status: healthy ? "healthy" : "degraded", activeSessions: active)
    }

    func statusFields() async -> [(String, JSONValue)] {
        let counters = service.sessions.counters
        let store = await storeHealth()
        let stored = await storedCount.value { try await service.sessions.totalCount() }
        var storeFields: [(String, JSONValue)] = [("writable", .bool(store.writable))]
        if let problem = store.problem { storeFields.append(("problem", .string(problem))) }
        return [
            ("sessions", .object([
                "in_memory": .number(Double(service.sessions.inMemoryCountSnapshot)),
                "stored": stored.map { .number(Double($0)) } ?? .null,
                "created": .number(Double(counters.created.load(ordering: .relaxed))),
                "loaded_from_store": .number(Double(counters.loaded.load(ordering: .relaxed))),
                "evicted": .number(Double(counters.evicted.load(ordering: .relaxed))),
                "expired": .number(Double(counters.expired.load(ordering: .relaxed))),
            ])),
            ("store", .object(Dictionary(uniqueKeysWithValues: storeFields))),
            ("mcp_servers", .object(Dictionary(uniqueKeysWithValues: mcp().statuses.map { ($0.name, $0.json) }))),
        ]
    }
}

struct StoreHealthReport: Sendable {
    var writable: Bool
    var problem: String?
}

/// The stored-session count is one kept row (schema v3), but reading it waits its turn on the
/// SQLite thread behind step commits; load balancers poll `/health` often, so the count is
/// reused for a couple of seconds. Lock-free on a hit, which is nearly every `/health`: one
/// refresher at a time, and the others answer with the count they have meanwhile.
final class StoredCountCache: Sendable {
    private let count = Atomic<Int>(0)
    /// Uptime nanoseconds of the last refresh that succeeded; 0 = none yet.
    private let refreshedAt = Atomic<UInt64>(0)
    private let refreshing = Atomic<Bool>(false)
    static let maxAgeNanoseconds: UInt64 = 2_000_000_000

    func value(_ fetch: () async throws -> Int) async -> Int? {
        let at = refreshedAt.load(ordering: .acquiring)
        let fresh = at != 0 && DispatchTime.now().uptimeNanoseconds - at < Self.maxAgeNanoseconds
        if fresh { return count.load(ordering: .relaxed) }
        guard refreshing.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return at != 0 ? count.load(ordering: .relaxed) : try? await fetch()
        }
        defer { refreshing.store(false, ordering: .releasing) }
        guard let fetched = try? await fetch() else { return nil }
        count.store(fetched, ordering: .relaxed)
        refreshedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
        return fetched
    }
}
