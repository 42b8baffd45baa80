import Foundation
import Testing
@testable import AgentCore

/// Issue 14 item 7: opening the store does not read the file whole; `PRAGMA quick_check` runs
/// in the background afterwards, and damage it finds is still reported (degraded, with where).
@Suite struct SnapshotStoreIntegrityCheckTests {
    typealias F = StoreFixtures

    /// Waits (bounded) until the background check has ended.
    static func finishedCheck(_ store: SQLiteSessionStore) async throws -> IntegrityCheckReport {
        for _ in 0..<1000 {
            let report = store.integrityCheck
            if report.state != .running { return report }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the integrity check did not finish within 10 s")
        return store.integrityCheck
    }

    /// Pages the store's own connection fetched while opening: the check reads on a connection of
    /// its own, so this is what start-up costs the store, whatever the check does meanwhile.
    private func pagesFetchedByOpening(_ directory: TemporaryDirectory) async throws -> Int {
        try await F.withStore(directory) { store in
            let fetched = try await store.pageFetches()
            #expect(try await Self.finishedCheck(store).state == .passed)
            return fetched
        }
    }

    private func storeWith(sessions count: Int) async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            for n in 0..<count {
                try await store.createSession(F.header("session-\(n)"))
                try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: F.toolStep(n)),
                                                      events: [F.event(1, .textDelta(delta: String(repeating: "x", count: 200)))],
                                                      usage: SessionUsage(), lastUsedAt: F.start), to: "session-\(n)")
            }
        }
        return directory
    }

    @Test func openingReadsTheSamePagesForASmallAndALargeStore() async throws {
        let small = try await storeWith(sessions: 2)
        let large = try await storeWith(sessions: 1500)
        let largeSize = try #require(try FileManager.default.attributesOfItem(atPath: large.databasePath)[.size] as? Int)
        #expect(largeSize / 4096 > 300, "the large store must span many pages (\(largeSize) bytes)")
        let smallPages = try await pagesFetchedByOpening(small)
        let largePages = try await pagesFetchedByOpening(large)
        // A whole-file check at open would fetch every one of the large store's pages.
        #expect(largePages == smallPages, "opening fetched \(largePages) pages for 1,500 sessions, \(smallPages) for 2")
        #expect(largePages < 40, "opening fetched \(largePages) pages")
    }

    @Test func aDamagedPageIsReportedByTheBackgroundCheckAndDegradesTheStore() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            for n in 0..<300 { try await store.createSession(F.header("session-\(n)")) }
        }
        // Overwrite the cell-pointer array of page 3 (a b-tree page): the header stays valid,
        // so only the integrity check can tell.
        let handle = try #require(FileHandle(forUpdatingAtPath: directory.databasePath))
        try handle.seek(toOffset: 4096 * 2 + 8)
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 200))
        try handle.close()
        try await F.withStore(directory) { store in
            let report = try await Self.finishedCheck(store)
            #expect(report.state == .failed)
            #expect(report.durationSeconds != nil)
            let problem = try #require(report.problem)
            #expect(problem.contains(directory.databasePath) && problem.contains("corrupt"), "\(problem)")
            guard case .degraded(let reason) = await store.checkHealth() else {
                Issue.record("a damaged store must report itself degraded")
                return
            }
            #expect(reason.contains("corrupt"), "\(reason)")
        }
    }

    @Test func checkpointsWaitForTheCheckAndResumeAfterIt() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s"))
            #expect(try await Self.finishedCheck(store).state == .passed)
            // The resume is queued on the SQLite thread by the checker; any later job sees it.
            #expect(try await store.thread.perform { !$0.checkpointsSuspended })
            #expect(await store.checkHealth() == .healthy)
        }
    }

    @Test func closingDuringTheCheckInterruptsItAndLosesNothing() async throws {
        let directory = try await storeWith(sessions: 300)
        let store = try await SQLiteSessionStore(settings: F.settings(directory))
        try await store.createSession(F.header("late"))
        await store.close()
        #expect([.passed, .interrupted].contains(store.integrityCheck.state))
        try await F.withStore(directory) { reopened in
            let late = try await reopened.loadSession(id: "late")
            let report = try await Self.finishedCheck(reopened)
            #expect(late != nil)
            #expect(report.state == .passed)
        }
    }
}
