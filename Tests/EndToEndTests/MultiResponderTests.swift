import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Several responders on one PostgreSQL store.
///
/// Three responders on one PostgreSQL database behind one nginx (round robin): cancel, clear
/// and DELETE sent to one responder reach the query running on another (issue 14 item 4,
/// LISTEN/NOTIFY); event streams across responders are `CrossResponderEventTests`.
/// `ResponderCluster` gives each responder a port of its own too, so a test can say which
/// responder a request goes through.
@Suite struct MultiResponderTests {
    static func slowText(words: Int, delayMs: Int) -> JSONValue {
        DurabilityTests.slowText(words: words, delayMs: delayMs)
    }

    static func query(_ message: String, session: String) -> JSONValue {
        ["message": .string(message), "session_id": .string(session)]
    }

    /// Starts a streamed query on responder `index` in the background and returns once its
    /// first `text_delta` arrived; the task's value is the whole stream, frames stamped with
    /// Unix time.
    static func startStream(_ cluster: ResponderCluster, on index: Int, session: String, words: Int = 40)
        async throws -> Task<HTTPTestStream, Error> {
        let before = try await cluster.llm.requests().count
        try await cluster.llm.script([slowText(words: words, delayMs: 150)])
        let port = cluster.ports[index]
        let body = Data(query("go", session: session).serialized().utf8)
        let stream = Task {
            try await TimedStream.read(port: port, "POST", "/agent/query-stream-delta", body: body)
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            // (Not polled with GET /sessions/{id}: a GET racing the get-or-create of the same new
            // id can make the creating query fail with 409; see the report of issue 14.)
            if try await cluster.llm.requests().count > before {
                // The model answers word by word: the query is streaming on responder `index`.
                try await Task.sleep(for: .milliseconds(400))
                return stream
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        stream.cancel()
        let seen = try? await stream.value
        throw TestFailure("the query on responder \(index) did not start: \(seen?.frames.map(\.text) ?? [])\n"
                          + cluster.responderLog(index))
    }

    static func terminal(_ stream: HTTPTestStream) throws -> (type: String?, status: String?, at: Double?) {
        let objects = try stream.eventObjects()
        guard let index = objects.lastIndex(where: { ["final", "error"].contains($0["type"]?.stringValue) }) else {
            return (nil, nil, nil)
        }
        return (objects[index]["type"]?.stringValue, (objects[index]["status"] ?? objects[index]["code"])?.stringValue,
                stream.events[index].arrivedAt)
    }

    /// Cancel through another responder ends the stream on the one running it, cancelled, within about a second.
    @Test func cancelThroughAnotherResponder() async throws {
        let cluster = try await ResponderCluster()
        defer { cluster.stop() }
        let running = try await Self.startStream(cluster, on: 0, session: "multi-cancel")
        let sent = Date().timeIntervalSince1970
        let answer = try await cluster.post("/sessions/multi-cancel/cancel", through: 1)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(try answer.json()["cancelled"] == true, "the query runs on another responder: \(answer.text)")
        let stream = try await running.value
        let end = try Self.terminal(stream)
        #expect(end.status == "cancelled", "\(stream.frames.map(\.text))")
        #expect(try stream.eventObjects().last?["type"] == "usage" && stream.endsWithDone)
        let latency = try #require(end.at) - sent
        print("cross-responder cancel latency: \(Int(latency * 1000)) ms (cancel sent to responder 1, query on responder 0)")
        // The model was still answering (40 words at 150 ms): only the notice can have ended it.
        #expect(latency < 3, "cancel took \(latency) s to reach the other responder")
        #expect(stream.events.count < 40, "the stream was cut short")

        // Nothing runs any more, anywhere: a second cancel says so, and the session goes on.
        let again = try await cluster.post("/sessions/multi-cancel/cancel", through: 2)
        #expect(try again.json()["cancelled"] == false, "\(again.text)")
        let next = try await cluster.post("/agent/query", Self.query("after", session: "multi-cancel"), through: 2)
        #expect(next.status == 200, "\(next.text)")
        let log = try await TimedStream.read(port: cluster.port, "GET", "/sessions/multi-cancel/events?after=0")
        #expect(log.seqs == log.seqs.sorted() && Set(log.seqs).count == log.seqs.count, "\(log.seqs)")
        let runner = try PrometheusText(parsing: try await cluster.client(0).get("/metrics").text)
        #expect(runner.value("agent_store_notifications_received_total", ["kind": "cancel"]) == 1)
        #expect(runner.value("agent_store_listener_reconnects_total") == 0)
        let sender = try PrometheusText(parsing: try await cluster.client(1).get("/metrics").text)
        #expect(sender.value("agent_store_notifications_sent_total", ["kind": "cancel"]) == 1)
    }

    /// Clear and DELETE through other responders stop the query running elsewhere, then act on the store.
    @Test func clearAndDeleteThroughOtherResponders() async throws {
        let cluster = try await ResponderCluster()
        defer { cluster.stop() }
        let first = try await cluster.post("/agent/query", Self.query("hello", session: "multi-clear"), through: 0)
        #expect(first.status == 200, "\(first.text)")
        let running = try await Self.startStream(cluster, on: 0, session: "multi-clear")
        let sent = Date().timeIntervalSince1970
        let cleared = try await cluster.post("/sessions/multi-clear/clear", through: 2)
        let answered = Date().timeIntervalSince1970
        #expect(cleared.status == 200, "\(cleared.text)")
        #expect(try cleared.json() == ["session_id": "multi-clear", "cleared": true])
        let stream = try await running.value
        let end = try Self.terminal(stream)
        #expect(end.status == "cancelled", "\(stream.frames.map(\.text))")
        print("cross-responder clear: stream ended \(Int((try #require(end.at) - sent) * 1000)) ms after the request, "
              + "answered after \(Int((answered - sent) * 1000)) ms")
        #expect(try #require(end.at) - sent < 3)
        // Every responder now reads the cleared session, the one that ran the query included.
        for index in 0..<3 {
            let session = try await cluster.client(index).get("/sessions/multi-clear")
            #expect(try session.json()["message_count"] == 0, "responder \(index): \(session.text)")
        }
        let next = try await cluster.post("/agent/query", Self.query("again", session: "multi-clear"), through: 0)
        #expect(next.status == 200, "\(next.text)")
        let sentToModel = try await cluster.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        let contents = sentToModel.compactMap { $0["content"]?.stringValue }
        #expect(!contents.contains("hello"),
                "the responder that ran the query forgot the cleared history: \(sentToModel)")

        let deleting = try await Self.startStream(cluster, on: 1, session: "multi-delete")
        let deleteSent = Date().timeIntervalSince1970
        let deleted = try await cluster.client(0).request("DELETE", "/sessions/multi-delete")
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(try deleted.json() == ["deleted": true, "session_id": "multi-delete"])
        let deletedStream = try await deleting.value
        let deletedEnd = try Self.terminal(deletedStream)
        #expect(deletedEnd.status == "cancelled", "\(deletedStream.frames.map(\.text))")
        print("cross-responder DELETE: stream ended \(Int((try #require(deletedEnd.at) - deleteSent) * 1000)) ms after the request")
        for index in 0..<3 {
            #expect(try await cluster.client(index).get("/sessions/multi-delete").status == 404, "responder \(index)")
        }
    }

    /// Clear and DELETE with nothing running: the other responders drop their copies and read the store again.
    @Test func clearAndDeleteReachIdleCopies() async throws {
        let cluster = try await ResponderCluster()
        defer { cluster.stop() }
        let first = try await cluster.post("/agent/query", Self.query("hello", session: "multi-idle"), through: 0)
        #expect(first.status == 200, "\(first.text)")
        // Responders 1 and 2 now hold the session in memory, with its two messages.
        for index in [1, 2] {
            #expect(try await cluster.client(index).get("/sessions/multi-idle").json()["message_count"] == 2)
        }
        #expect(try await cluster.post("/sessions/multi-idle/clear", through: 0).status == 200)
        for index in [1, 2] {
            #expect(try await Self.eventually { try await cluster.client(index).get("/sessions/multi-idle").json()["message_count"] == 0 },
                    "responder \(index) still shows the history the clear removed")
        }
        let again = try await cluster.post("/agent/query", Self.query("again", session: "multi-idle"), through: 1)
        #expect(again.status == 200, "\(again.text)")
        let contents = (try await cluster.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }
        #expect(!contents.contains("hello"), "the model saw the cleared history: \(contents)")

        // Deleted through responder 2 while responder 1 holds it: a query there makes a new session.
        let deleted = try await cluster.client(2).request("DELETE", "/sessions/multi-idle")
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(try await Self.eventually { try await cluster.client(0).get("/sessions/multi-idle").status == 404 })
        #expect(try await Self.eventually { try await cluster.client(1).get("/sessions/multi-idle").status == 404 },
                "responder 1 dropped its copy of the deleted session")
        let fresh = try await cluster.post("/agent/query", Self.query("new", session: "multi-idle"), through: 1)
        #expect(fresh.status == 200, "get-or-create makes a new session under the id: \(fresh.text)")
        let messages = try await cluster.client(0).get("/sessions/multi-idle/messages").json()["messages"]?.arrayValue ?? []
        #expect(messages.compactMap { $0["content"]?.stringValue } == ["new", "echo: new"], "\(messages)")
    }

    /// Polls `condition` for up to five seconds (a notice is handled asynchronously).
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
