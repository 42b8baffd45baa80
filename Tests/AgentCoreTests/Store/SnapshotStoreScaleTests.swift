import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreScaleTests {
    typealias F = StoreFixtures

    /// A store file holding `count` sessions (each with a message and an event), one of them
    /// with a query marked running.
    private func makeStore(sessions count: Int) async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("running"))
            try await store.beginQuery(sessionId: "running", queryId: "q1", title: nil)
        }
        let usage = String(decoding: try JSONEncoder().encode(SessionUsage()), as: UTF8.self)
        let message = String(decoding: try JSONEncoder().encode(ChatMessage.user("hi")), as: UTF8.self)
        try await F.withRawConnection(directory.databasePath) { connection in
            try connection.transaction {
                for n in 1..<count {
                    let id = "bulk-\(n)"
                    try connection.run("""
                        INSERT INTO sessions (id, owner, created_at, last_used_at, usage, message_count, last_seq, event_count)
                        VALUES (?, 'owner', ?, ?, ?, 1, 1, 1)
                        """, [.text(id), .real(Double(n)), .real(Double(n)), .text(usage)])
                    try connection.run("INSERT INTO messages (session_id, idx, json) VALUES (?, 0, ?)", [.text(id), .text(message)])
                    try connection.run("INSERT INTO events (session_id, seq, query_id, type, json) VALUES (?, 1, 'q', 'text', '{}')",
                                       [.text(id)])
                }
            }
        }
        return directory
    }

    /// What opening the store and recovering interrupted queries cost, in statements and rows.
    private func startUpWork(_ directory: TemporaryDirectory) async throws -> (SQLiteStatisticsSnapshot, [RecoveredQuery]) {
        try await F.withStore(directory) { store in
            let recovered = try await store.recoverInterruptedQueries(now: F.start)
            return (try await store.statistics(), recovered)
        }
    }

    @Test func startUpWorkDoesNotGrowWithStoredSessions() async throws {
        let small = try await makeStore(sessions: 1)
        let large = try await makeStore(sessions: 10_000)
        let (smallWork, smallRecovered) = try await startUpWork(small)
        let (largeWork, largeRecovered) = try await startUpWork(large)

        #expect(smallRecovered.map(\.sessionId) == ["running"])
        #expect(largeRecovered.map(\.sessionId) == ["running"])
        // Equal work, full-scan steps included: a scan of sessions, messages or events would
        // add thousands of steps and rows to the large store's count.
        #expect(largeWork == smallWork, "start-up with 10,000 sessions did \(largeWork), with one \(smallWork)")
        #expect(largeWork.rowsReturned < 20, "start-up read \(largeWork.rowsReturned) rows")

        // The large store really holds them (the comparison above is not vacuous).
        try await F.withStore(large) { store in
            let before = try await store.pageFetches()
            let stored = try await store.countSessions(in: .everyone)
            let owned = try await store.countSessions(in: .owner("owner"))
            let fetched = try await store.pageFetches() - before
            #expect(stored == 10_000)
            #expect(owned == 9_999)
            // Counting reads one kept row per call, not a table or index of 10,000 entries
            // (hundreds of pages): `/health` counts on every probe.
            #expect(fetched < 20, "counting fetched \(fetched) pages")
            let page = try await store.listSessions(in: .owner("owner"), limit: 2, after: nil)
            #expect(page.sessions.map(\.id) == ["bulk-1", "bulk-2"])
        }
    }
}
