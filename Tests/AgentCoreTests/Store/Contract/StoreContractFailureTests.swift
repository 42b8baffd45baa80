import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// The store going away under a running process, against each backend: SQLite's file made
/// immutable (`chattr +i`, which stops even root), PostgreSQL's server stopped. Writes fail
/// and say so, `checkHealth()` reports it (so queries get 503 before the model is called),
/// nothing stored is damaged, and service resumes by itself when the store is back.
@Suite struct StoreContractFailureTests {
    typealias F = StoreFixtures
    typealias C = Contract

    @Test(arguments: Backend.allCases) func storeDownIsReportedAndServiceResumes(_ backend: Backend) async throws {
        // Stopping a server must not pull the rug from other tests: this one gets its own cluster.
        let cluster = backend == .postgresql ? try await PostgresTestCluster() : nil
        defer { cluster?.stop() }
        let place = try await StorePlace(backend, cluster: cluster)
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("kept")]),
                                                events: F.events(1...2)), to: "s1")
            #expect(await store.checkHealth() == .healthy)

            try await takeDown(place, cluster)
            var restored = false
            defer { if !restored { Task { [place, cluster] in try? await Self.bringBack(place, cluster) } } }
            let health = await store.checkHealth()
            #expect(!health.isHealthy, "checkHealth must report a store that cannot be written")
            let failed = await #expect(throws: (any Error).self) {
                try await store.commitTurn(C.commit(history: .append(from: 1, messages: [.user("lost")]),
                                                    events: F.events(3...3)), to: "s1")
            }
            if backend == .postgresql {
                let error = try #require(failed as? PostgresError, "\(String(describing: failed))")
                #expect(error.isStorageFailure)
                #expect(error.description.contains("commitTurn(s1)"), "names the operation: \(error)")
                #expect(error.description.contains("reconnects by itself") || error.description.contains("SQLSTATE"),
                        "tells the operator what is going on: \(error)")
            }
            #expect(await store.checkHealth() != .healthy, "still down")

            try await Self.bringBack(place, cluster)
            restored = true
            #expect(await Self.waitForWritable(store), "checkHealth recovers once the store is back")
            let stored = try #require(try await store.loadSession(id: "s1"))
            #expect(stored.history == [.user("kept")], "nothing stored was lost, nothing half-written")
            #expect(stored.summary.lastSeq == 2)
            // Several writes in a row, so every pooled connection (some of them dead since the
            // restart, without knowing it yet) serves one: none may fail.
            for seq in Int64(3)...8 {
                try await store.commitTurn(C.commit(history: .append(from: Int(seq) - 2, messages: [.user("after \(seq)")]),
                                                    events: F.events(seq...seq)), to: "s1")
            }
            #expect(try await store.loadSession(id: "s1")?.history == [.user("kept")] + (3...8).map { .user("after \($0)") })
        }
    }

    private func takeDown(_ place: StorePlace, _ cluster: PostgresTestCluster?) async throws {
        if let cluster {
            try await cluster.pause()
        } else {
            let path = try #require(place.sqlitePath)
            try #require(Self.chattr("+i", [path, path + "-wal"]), "chattr +i makes a file read-only even for root")
        }
    }

    private static func bringBack(_ place: StorePlace, _ cluster: PostgresTestCluster?) async throws {
        if let cluster {
            try await cluster.resume()
        } else if let path = place.sqlitePath {
            _ = chattr("-i", [path, path + "-wal"])
        }
    }

    /// Polls `checkHealth()` (the pool reconnects with backoff of at most 2 s).
    private static func waitForWritable(_ store: any SessionStore) async -> Bool {
        for _ in 0..<100 {
            if await store.checkHealth() == .healthy { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private static func chattr(_ flag: String, _ paths: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag] + paths
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
