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
    private let storedCount = StoredCountCache()
    private let callerCounts = CallerCountCaches()

    init(service: AgentService, storeHealth: @escaping @Sendable () async -> StoreHealthReport,
         mcp: @escaping @Sendable () -> MCPServerPool = { .empty }) {
        self.service = service
        self.storeHealth = storeHealth
        self.mcp = mcp
    }

    /// Degraded while the store cannot take writes or a required MCP server is not up.
    func health(caller: String?) async -> HealthReport {
        let store = await storeHealth()
        let sessions = service.sessions
        var active = await callerCounts.cache(for: caller).value { try await sessions.count(owner: caller) }
        if active == nil { active = await sessions.inMemoryCount(in: .owner(caller)) }
        let healthy = store.writable && mcp().unavailableReason == nil
        return HealthReport(status: healthy ? "healthy" : "degraded", activeSessions: active ?? 0)
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
    /// How long a count is reused: /health is polled often, a count is a store read.
    private let maxAgeNanoseconds: UInt64

    init(maxAgeSeconds: Double = 2) {
        maxAgeNanoseconds = UInt64(maxAgeSeconds * 1e9)
    }

    func value(_ fetch: () async throws -> Int) async -> Int? {
        let at = refreshedAt.load(ordering: .acquiring)
        let fresh = at != 0 && DispatchTime.now().uptimeNanoseconds - at < maxAgeNanoseconds
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

/// One `StoredCountCache` per caller of `/health`. The anonymous caller (load balancers) gets
/// its own lock-free cache; principals share a small map, emptied when it grows past
/// `maxPrincipals` so a stream of distinct users cannot grow it without bound.
final class CallerCountCaches: Sendable {
    private let anonymous = StoredCountCache()
    private let principals = Mutex<[String: StoredCountCache]>([:])
    static let maxPrincipals = 4096

    func cache(for caller: String?) -> StoredCountCache {
        guard let caller else { return anonymous }
        return principals.withLock { caches in
            if let cache = caches[caller] { return cache }
            if caches.count >= Self.maxPrincipals { caches.removeAll() }
            let cache = StoredCountCache()
            caches[caller] = cache
            return cache
        }
    }
}
