import AgentCore
import Foundation
import Synchronization

/// `/health` and `/status` facts from the session layer and the snapshot store.
struct SessionStatusProvider: ServiceStatusProvider {
    let service: AgentService
    let storeHealth: @Sendable () async -> StoreHealthReport
    private let storedCount = StoredCountCache()

    init(service: AgentService, storeHealth: @escaping @Sendable () async -> StoreHealthReport) {
        self.service = service
        self.storeHealth = storeHealth
    }

    func health() async -> HealthReport {
        let store = await storeHealth()
        let active = await storedCount.value { try await service.sessions.totalCount() }
            ?? service.sessions.inMemoryCountSnapshot
        return HealthReport(status: store.writable ? "healthy" : "degraded", activeSessions: active)
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
        ]
    }
}

struct StoreHealthReport: Sendable {
    var writable: Bool
    var problem: String?
}

/// The stored-session count is one kept row (schema v3), but reading it waits its turn on the
/// SQLite thread behind step commits; load balancers poll `/health` often, so the count is
/// reused for a couple of seconds.
final class StoredCountCache: Sendable {
    private let cached = Mutex<(count: Int, at: Date)?>(nil)
    static let maxAge: TimeInterval = 2

    func value(_ count: () async throws -> Int) async -> Int? {
        if let hit = cached.withLock({ $0 }), Date().timeIntervalSince(hit.at) < Self.maxAge { return hit.count }
        guard let fresh = try? await count() else { return nil }
        cached.withLock { $0 = (fresh, Date()) }
        return fresh
    }
}
