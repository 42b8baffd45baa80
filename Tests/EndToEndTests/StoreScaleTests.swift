import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Durability: a large store.
///
/// Start-up and listing with a large store. Work is asserted in counts (statements, rows,
/// sessions loaded), never in time.
@Suite struct StoreScaleTests {
    /// 10,000 stored sessions: start-up reads none of them, only a requested one is loaded, listing pages.
    @Test func tenThousandSessions() async throws {
        let stack = try TestStack()
        defer { stack.stop() }
        // One real session, to copy a valid usage and message from.
        let seeded = try await stack.postJSON("/agent/query", ["message": "seed", "session_id": "seed"])
        #expect(seeded.status == 200, "\(seeded.text)")
        try stack.restartResponder()
        let small = try stack.lastStartUpWork()

        stack.stopResponder()
        _ = try stack.sqlite("""
            BEGIN;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
            INSERT INTO sessions (id, owner, created_at, last_used_at, usage, message_count, last_seq, event_count)
            SELECT printf('bulk-%05d', i), NULL, (SELECT created_at FROM sessions WHERE id = 'seed') + i,
                   (SELECT last_used_at FROM sessions WHERE id = 'seed'), (SELECT usage FROM sessions WHERE id = 'seed'),
                   1, 1, 1 FROM n;
            INSERT INTO messages (session_id, idx, json)
            SELECT id, 0, (SELECT json FROM messages WHERE session_id = 'seed' AND idx = 0) FROM sessions WHERE id LIKE 'bulk-%';
            INSERT INTO events (session_id, seq, query_id, type, json)
            SELECT id, 1, 'q-bulk', 'hidden', '{"type":"hidden","content":"bulk"}' FROM sessions WHERE id LIKE 'bulk-%';
            COMMIT;
            """)
        #expect(try stack.sqlite("SELECT count(*) FROM sessions") == "10001")
        try stack.startResponder()
        let large = try stack.lastStartUpWork()

        // The same statements and rows at start-up with 1 and 10,001 sessions: nothing scanned them.
        #expect(large == small, "start-up work with 10,001 sessions \(large), with 1 \(small)")
        let status = try await stack.getJSON("/status")
        #expect(status["sessions"]?["in_memory"]?.intValue == 0, "\(status)")
        #expect(status["sessions"]?["loaded_from_store"]?.intValue == 0)
        #expect(status["sessions"]?["stored"]?.intValue == 10_001)
        #expect(try await stack.getJSON("/health")["active_sessions"]?.intValue == 10_001)

        // Only the session asked for comes into memory, with its history.
        let messages = try await stack.getJSON("/sessions/bulk-05000/messages")
        #expect(messages["messages"]?[0]?["content"] == "seed")
        let afterOne = try await stack.getJSON("/status")
        #expect(afterOne["sessions"]?["in_memory"]?.intValue == 1, "\(afterOne)")
        #expect(afterOne["sessions"]?["loaded_from_store"]?.intValue == 1)

        // Paging walks the whole store, each session once, in creation order.
        var ids: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let query = "/sessions?limit=1000" + (cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
            let page = try await stack.getJSON(query)
            let batch = page["sessions"]?.arrayValue ?? []
            #expect(batch.count <= 1000)
            ids += batch.compactMap { $0["session_id"]?.stringValue }
            cursor = page["next_cursor"]?.stringValue
            pages += 1
        } while cursor != nil && pages < 20
        #expect(pages == 11)
        #expect(ids.count == 10_001 && Set(ids).count == 10_001)
        #expect(ids.first == "seed" && ids[1] == "bulk-00001" && ids.last == "bulk-10000")
        // Without parameters: the reference's shape, one list.
        let all = try await stack.getJSON("/sessions")
        #expect(all["sessions"]?.arrayValue?.count == 1000, "default page")
        #expect(try await stack.getJSON("/status")["sessions"]?["in_memory"]?.intValue == 1, "listing loads nothing")
    }
}
