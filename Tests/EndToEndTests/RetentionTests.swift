import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Durability: retention and eviction.
///
/// Bounds end to end: the per-session event log and the sessions held in memory.
@Suite struct RetentionTests {
    /// Events_per_session bounds the log; evicted sessions stay stored and come back intact; listing pages.
    @Test func boundsAndEviction() async throws {
        let stack = try TestStack(environment: ["AGENT_FCGI_STORAGE_EVENTS_PER_SESSION": "30",
                                                   "AGENT_FCGI_SESSIONS_MAX_SESSIONS": "2"])
        defer { stack.stop() }
        let words = (1...60).map { "w\($0)" }.joined(separator: " ")
        try await stack.llm.script([["text": .string(words)]])
        let live = try await stack.readStream("POST", "/agent/query-stream-delta",
                                              body: ["message": "long", "session_id": "ret-a"]) { _ in false }
        #expect(live.events.count > 60, "the live stream is not cut: \(live.events.count)")
        let lastSeq = try #require(live.seqs.last)

        // Memory and store keep the newest 30, contiguous, ending with the query's usage.
        let expected = Array((lastSeq - 29)...lastSeq)
        let inMemory = try await stack.eventLog("ret-a")
        #expect(inMemory.seqs == expected, "\(inMemory.seqs)")
        #expect(try inMemory.eventObjects().last?["type"] == "usage")
        let dropped = ": events 1-\(lastSeq - 30) are no longer kept (storage.events_per_session); replay starts after them"
        #expect(inMemory.comments.first == dropped, "a replay from before the bound says what it missed: \(inMemory.comments)")
        let resumedInside = try await stack.eventLog("ret-a", query: "after=\(lastSeq - 5)")
        #expect(resumedInside.comments.allSatisfy { !$0.contains("no longer kept") }, "\(resumedInside.comments)")

        // Two more sessions push ret-a out of memory (max_sessions 2).
        for id in ["ret-b", "ret-c"] {
            let answer = try await stack.postJSON("/agent/query", ["message": .string("hi \(id)"), "session_id": .string(id)])
            #expect(answer.status == 200, "\(answer.text)")
        }
        let status = try await stack.getJSON("/status")
        #expect(status["sessions"]?["in_memory"]?.intValue == 2, "\(status)")
        #expect((status["sessions"]?["evicted"]?.intValue ?? 0) >= 1)
        #expect(status["sessions"]?["stored"]?.intValue == 3)

        // Evicted, not deleted: listed, and back with its history and its bounded log.
        let listed = try await stack.getJSON("/sessions")["sessions"]?.arrayValue?.compactMap { $0["session_id"]?.stringValue }
        #expect(listed == ["ret-a", "ret-b", "ret-c"])
        let messages = try await stack.getJSON("/sessions/ret-a/messages")["messages"]?.arrayValue ?? []
        #expect(messages.compactMap { $0["content"]?.stringValue } == ["long", words])
        let loaded = try await stack.getJSON("/status")
        #expect((loaded["sessions"]?["loaded_from_store"]?.intValue ?? 0) >= 1, "\(loaded)")
        #expect(try await stack.eventLog("ret-a").seqs == expected)
        let info = try await stack.getJSON("/sessions/ret-a")
        #expect(info["message_count"]?.intValue == 2)

        // Paging over more sessions than one page.
        let first = try await stack.getJSON("/sessions?limit=2")
        #expect(first["sessions"]?.arrayValue?.compactMap { $0["session_id"]?.stringValue } == ["ret-a", "ret-b"])
        let cursor = try #require(first["next_cursor"]?.stringValue)
        let second = try await stack.getJSON("/sessions?limit=2&cursor=\(cursor)")
        #expect(second["sessions"]?.arrayValue?.compactMap { $0["session_id"]?.stringValue } == ["ret-c"])
        #expect(second["next_cursor"] == nil)

        // The bound holds after a restart, and a new query keeps counting above it.
        try stack.restartResponder()
        #expect(try await stack.eventLog("ret-a").seqs == expected)
        let again = try await stack.postJSON("/agent/query", ["message": "more", "session_id": "ret-a"])
        #expect(again.status == 200)
        let after = try await stack.eventLog("ret-a")
        #expect(after.seqs.count == 30 && after.seqs.first! > expected.first! && after.seqs.last! > lastSeq)
    }
}
