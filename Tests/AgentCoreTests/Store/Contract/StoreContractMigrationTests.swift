import Foundation
import Testing
@testable import AgentCore

/// Schema versions, against each backend: a fresh store is migrated, an up-to-date one is left
/// alone with its data, and one written by a newer agent-fcgi is refused with a clear message.
@Suite struct StoreContractMigrationTests {
    typealias C = Contract

    @Test(arguments: Backend.allCases) func freshThenAlreadyAppliedThenNewerRefused(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in try await store.createSession(C.header("kept")) }
        #expect(try await place.schemaVersion() == place.currentSchemaVersion)

        // Already applied: opening again changes nothing and loses nothing.
        try await place.withStore { (store: any SessionStore) async throws in
            #expect(try await store.loadSession(id: "kept") != nil)
            #expect(try await store.countSessions(in: .everyone) == 1)
        }
        #expect(try await place.schemaVersion() == place.currentSchemaVersion)

        try await place.rawSQL("UPDATE schema_version SET version = 99")
        do {
            let store = try await place.open()
            await store.close()
            Issue.record("a store at schema v99 must be refused")
        } catch let error as StoreError {
            guard case .schemaTooNew(_, let found, let supported) = error else {
                Issue.record("expected schemaTooNew, got \(error)")
                return
            }
            #expect(found == 99 && supported == place.currentSchemaVersion)
            #expect(error.description.contains("upgrade agent-fcgi"), "\(error)")
        }
        #expect(try await place.schemaVersion() == 99, "a refused store is not touched")
    }

    @Test func postgresMigrationsAreOrderedAndStartAtOne() {
        // Strictly increasing rather than consecutive while features developed in parallel hold
        // their own numbers (v3, pending approvals, lands before v2).
        let versions = PostgresMigration.all.map(\.version)
        #expect(versions.first == 1 && zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// Responders starting at the same moment: the advisory lock makes exactly one migrate,
    /// the others wait and find the schema current.
    @Test func concurrentStartsMigrateOnce() async throws {
        let place = try await StorePlace(.postgresql)
        let settings = try #require(place.postgresSettings)
        let results = try await withThrowingTaskGroup(of: (from: Int, to: Int).self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresSessionStore.migrate(settings.connection) } }
            var results: [(from: Int, to: Int)] = []
            for try await result in group { results.append(result) }
            return results
        }
        let current = PostgresMigration.currentVersion
        #expect(results.filter { $0.from == 0 }.count == 1, "one migrated from scratch: \(results)")
        #expect(results.allSatisfy { $0.to == current })
        #expect(try await place.schemaVersion() == current)
    }
}
