import AgentCore

/// `/health` and `/status` facts from the session layer and the snapshot store.
struct SessionStatusProvider: ServiceStatusProvider {
    let service: AgentService
    let storeHealth: @Sendable () async -> StoreHealthReport

    func health() async -> HealthReport {
        let store = await storeHealth()
        let active = (try? await service.sessions.totalCount()) ?? service.sessions.inMemoryCountSnapshot
        return HealthReport(status: store.writable ? "healthy" : "degraded", activeSessions: active)
    }

    func statusFields() async -> [(String, JSONValue)] {
        let counters = service.sessions.counters
        let store = await storeHealth()
        let stored = try? await service.sessions.totalCount()
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
