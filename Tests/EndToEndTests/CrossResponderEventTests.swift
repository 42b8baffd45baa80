import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Event streams across responders.
///
/// `GET /sessions/{id}/events` across responders on one PostgreSQL store: a follower on one
/// responder sees a query running on another live (woken by the NOTIFY of each commit, reading
/// the rows), ends with its `final` and `usage`, and resumes with `Last-Event-ID` on a third.
@Suite struct CrossResponderEventTests {
    static func query(_ message: String, session: String) -> JSONValue { MultiResponderTests.query(message, session: session) }
    static func slowText(words: Int, delayMs: Int) -> JSONValue { MultiResponderTests.slowText(words: words, delayMs: delayMs) }
    static func terminal(_ stream: HTTPTestStream) throws -> (type: String?, status: String?, at: Double?) {
        try MultiResponderTests.terminal(stream)
    }

    /// GET /sessions/{id}/events on one responder follows a query running on another live, ends with final+usage; resume on a third.
    @Test func followAcrossResponders() async throws {
        let cluster = try await ResponderCluster()
        defer { cluster.stop() }
        // Two tool steps (each committed as it completes), then a slow answer.
        try await cluster.llm.script([DurabilityTests.toolStep("call_1", "2+3"), DurabilityTests.toolStep("call_2", "3*4"),
                                      Self.slowText(words: 20, delayMs: 150)])
        let body = Data(Self.query("compute", session: "multi-follow").serialized().utf8)
        let port0 = cluster.ports[0]
        let querying = Task { try await TimedStream.read(port: port0, "POST", "/agent/query-stream", body: body) }
        _ = try await cluster.llm.waitForRequests(1)
        let port1 = cluster.ports[1]
        let following = try await TimedStream.read(port: port1, "GET", "/sessions/multi-follow/events?after=0")
        let queried = try await querying.value

        let types = try following.eventObjects().compactMap { $0["type"]?.stringValue }
        #expect(types.suffix(2) == ["final", "usage"], "\(types)")
        #expect(following.endsWithDone)
        #expect(following.seqs == following.seqs.sorted() && Set(following.seqs).count == following.seqs.count)
        let stepsSeen = try #require(following.events.first { $0.data?.contains(#""type":"step_complete""#) == true })
        let finalOnRunner = try #require(try Self.terminal(queried).at)
        #expect(stepsSeen.arrivedAt < finalOnRunner,
                "the follower on responder 1 saw the first step before the query on responder 0 ended (live, not replayed)")
        print("follower on responder 1 saw the first step \(Int((finalOnRunner - stepsSeen.arrivedAt) * 1000)) ms before the final on responder 0")
        // What the follower got is what the store holds, in the same order.
        let replay = try await TimedStream.read(port: cluster.ports[2], "GET", "/sessions/multi-follow/events?after=0")
        #expect(replay.events.map(\.data) == following.events.map(\.data))

        // Resume on a third responder from the middle.
        let middle = try #require(following.seqs.dropLast(3).last)
        let resumed = try await TimedStream.read(port: cluster.ports[2], "GET", "/sessions/multi-follow/events",
                                                 headers: [("Last-Event-ID", String(middle))])
        #expect(resumed.seqs == following.seqs.filter { $0 > middle }, "\(resumed.seqs)")
        #expect(resumed.endsWithDone)
        let follower = try PrometheusText(parsing: try await cluster.client(1).get("/metrics").text)
        // Commits notify only once the follower watches the session: the tool steps may be
        // committed before it arrives (it reads them from the table); the slow answer's step,
        // written with the query's end in one commit, comes seconds after it, and notifies.
        #expect(follower.value("agent_store_notifications_received_total", ["kind": "events"]) ?? 0 >= 1,
                "the follower was woken by the runner's commits")
    }

    /// A follower that drops on one responder resumes with Last-Event-ID on another while the query still runs on a third.
    @Test func resumeMidQueryOnAnotherResponder() async throws {
        let cluster = try await ResponderCluster()
        defer { cluster.stop() }
        // The second step's model call waits 1.5 s and the answer then takes 9 s: its commits come
        // after the drop and the resume, so the resumed follower has something to receive while
        // the query runs, even when this test process is held up for seconds on a loaded machine.
        let second = DurabilityTests.toolStep("call_2", "3*4", delayMs: 1500)
        try await cluster.llm.script([DurabilityTests.toolStep("call_1", "2+3"), second, Self.slowText(words: 30, delayMs: 300)])
        let body = Data(Self.query("compute", session: "multi-resume").serialized().utf8)
        let port0 = cluster.ports[0]
        let querying = Task { try await TimedStream.read(port: port0, "POST", "/agent/query-stream", body: body) }
        _ = try await cluster.llm.waitForRequests(1)
        // On responder 1, read until the first step is complete, then hang up.
        let dropped = try await cluster.client(1).stream("/sessions/multi-resume/events?after=0", stopWhen: { stream in
            stream.events.contains { $0.data?.contains(#""type":"step_complete""#) == true }
        })
        // Resume from the end of the first step, not from the last event read: on a loaded
        // machine the follower may connect late and read the second step in the same chunk,
        // leaving nothing for the resumed one to receive before the end.
        let lastSeen = try #require(dropped.events.first { $0.data?.contains(#""type":"step_complete""#) == true }?.id)
        let resumed = try await TimedStream.read(port: cluster.ports[2], "GET", "/sessions/multi-resume/events",
                                                 headers: [("Last-Event-ID", String(lastSeen))])
        let queried = try await querying.value
        #expect(try Self.terminal(queried).status == "completed", "\(queried.frames.map(\.text))")
        let types = try resumed.eventObjects().compactMap { $0["type"]?.stringValue }
        #expect(types.suffix(2) == ["final", "usage"] && resumed.endsWithDone, "\(types)")
        #expect(try #require(resumed.events.first?.arrivedAt) < (try #require(Self.terminal(queried).at)),
                "the resumed follower was live before the query ended")
        let whole = try await TimedStream.read(port: cluster.port, "GET", "/sessions/multi-resume/events?after=0")
        #expect(dropped.seqs.filter { $0 <= lastSeen } + resumed.seqs == whole.seqs,
                "nothing lost or repeated across the two responders")
    }

    /// Commits notify only while another responder follows: none for an unfollowed query; a follower arriving mid-query gets every event, woken by notices.
    @Test func commitsNotifyOnlyWhileAnotherResponderFollows() async throws {
        let cluster = try await ResponderCluster()
        defer { cluster.stop() }
        func eventNotices(_ responder: Int, _ direction: String) async throws -> Double {
            let metrics = try PrometheusText(parsing: try await cluster.client(responder).get("/metrics").text)
            return metrics.value("agent_store_notifications_\(direction)_total", ["kind": "events"]) ?? 0
        }
        // Nobody follows: three commits with events (two steps and the end), no NOTIFY.
        try await cluster.llm.script([DurabilityTests.toolStep("call_1", "2+3"), ["text": "5"]])
        let alone = try await TimedStream.read(port: cluster.ports[0], "POST", "/agent/query-stream",
                                               body: Data(Self.query("alone", session: "multi-unwatched").serialized().utf8))
        #expect(try Self.terminal(alone).status == "completed")
        #expect(try await eventNotices(0, "sent") == 0, "an unfollowed query's commits notify nobody")

        // A follower arrives once the first step is committed (the second model call waits 4 s:
        // long enough for this test to connect it first on a loaded machine).
        let second = DurabilityTests.toolStep("call_2", "3*4", delayMs: 4000)
        try await cluster.llm.script([DurabilityTests.toolStep("call_1", "2+3"), second, Self.slowText(words: 10, delayMs: 100)])
        let body = Data(Self.query("compute", session: "multi-watched").serialized().utf8)
        let port0 = cluster.ports[0]
        let querying = Task { try await TimedStream.read(port: port0, "POST", "/agent/query-stream", body: body) }
        _ = try await cluster.llm.waitForRequests(4)  // the first query's two, and this one's first two
        let following = try await TimedStream.read(port: cluster.ports[1], "GET", "/sessions/multi-watched/events?after=0")
        #expect(following.status == 200)
        let queried = try await querying.value
        #expect(try Self.terminal(queried).status == "completed")
        let types = try following.eventObjects().compactMap { $0["type"]?.stringValue }
        #expect(types.suffix(2) == ["final", "usage"] && following.endsWithDone, "\(types)")
        let stored = try await TimedStream.read(port: cluster.ports[2], "GET", "/sessions/multi-watched/events?after=0")
        #expect(following.seqs == stored.seqs, "the follower got every stored event, the ones before it arrived too")
        #expect(try await eventNotices(0, "sent") >= 2, "the second step's commit and the end's (with the answer) notified")
        #expect(try await eventNotices(1, "received") >= 2, "the follower was woken by them")
    }

    /// A replay through another responder says which events fell out of events_per_session; a seq from the far future is harmless.
    @Test func replayFromTheStoreKeepsTheRetentionComment() async throws {
        let cluster = try await ResponderCluster(environment: ["AGENT_FCGI_STORAGE_EVENTS_PER_SESSION": "30"])
        defer { cluster.stop() }
        let words = (1...60).map { "w\($0)" }.joined(separator: " ")
        try await cluster.llm.script([["text": .string(words)]])
        let body = Data(Self.query("long", session: "multi-retention").serialized().utf8)
        let live = try await TimedStream.read(port: cluster.ports[0], "POST", "/agent/query-stream-delta", body: body)
        let lastSeq = try #require(live.seqs.last)
        let replay = try await TimedStream.read(port: cluster.ports[1], "GET", "/sessions/multi-retention/events?after=0")
        #expect(replay.seqs == Array((lastSeq - 29)...lastSeq), "\(replay.seqs)")
        #expect(replay.comments.first == ": events 1-\(lastSeq - 30) are no longer kept (storage.events_per_session); replay starts after them",
                "\(replay.comments)")
        let inside = try await TimedStream.read(port: cluster.ports[2], "GET", "/sessions/multi-retention/events?after=\(lastSeq - 5)")
        #expect(inside.seqs == Array((lastSeq - 4)...lastSeq))
        #expect(inside.comments.allSatisfy { !$0.contains("no longer kept") }, "\(inside.comments)")
        let future = try await TimedStream.read(port: cluster.ports[2], "GET", "/sessions/multi-retention/events",
                                                headers: [("Last-Event-ID", String(Int64.max))])
        #expect(future.status == 200 && future.events.isEmpty && future.endsWithDone, "\(future.frames.map(\.text))")
    }
}
