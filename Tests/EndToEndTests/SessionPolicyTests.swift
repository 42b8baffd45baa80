import AgentCore
import AgentTestSupport
import Foundation
import Synchronization
import Testing

/// Session policies.
///
/// API.md §2: concurrency per session, reads that never wait, expiry, the memory cap, and
/// cancel/clear/delete of a busy session, through nginx with a scripted model.
@Suite struct SessionPolicyTests {
    /// A model answer that takes about `words × delayMs` to stream.
    static func slowText(words: Int, delayMs: Int = 100) -> JSONValue {
        ["text": .string((1...words).map { "s\($0)" }.joined(separator: " ")), "token_delay_ms": .number(Double(delayMs))]
    }

    /// A model answer that starts, then stalls for a minute: the query runs until the test cancels
    /// it, however slowly a loaded machine runs the test.
    static let stalledAnswer: JSONValue = ["text": "s1 s2 s3 s4", "stall_after": 2, "stall_ms": 60000]

    /// Starts a step stream in the background and waits until the model has received its request.
    static func startSlowQuery(_ agent: TestStack, session: String, requestsBefore: Int = 0) async throws -> Task<QueryStream, Error> {
        let task = Task { try await agent.query("slow", session: session) }
        let seen = try await agent.llm.waitForRequests(timeout: 10) { $0.count > requestsBefore }
        guard seen.count > requestsBefore else { throw TestFailure("the model never saw the query\n\(agent.logs)") }
        return task
    }

    /// Queue: a second query on a busy session waits its turn and sees the first turn.
    @Test func queueSerialises() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(Self.slowText(words: 20, delayMs: 50), ["text": "second answer"])
        let first = try await Self.startSlowQuery(agent, session: "queued")
        let second = try await agent.query("next", session: "queued")
        let firstStream = try await first.value
        #expect(firstStream.contractViolations.isEmpty && second.contractViolations.isEmpty)
        #expect(second.first("final")?["content"] == "second answer")
        #expect(second.seqs.first! > firstStream.seqs.last!, "the queued query ran after: \(firstStream.seqs) / \(second.seqs)")
        let requests = try await agent.llm.requests()
        #expect(requests.count == 2)
        let contents = requests.last?["body"]?["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } ?? []
        let firstAnswer = (1...20).map { "s\($0)" }.joined(separator: " ")
        #expect(contents.suffix(3) == ["slow", firstAnswer, "next"], "\(contents)")
    }

    /// Queue: past max_queue_per_session waiting queries, the next one is a 409.
    @Test func queueIsBounded() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SESSIONS_MAX_QUEUE_PER_SESSION": "1"])
        defer { agent.stop() }
        try await agent.llm.script(Self.stalledAnswer)
        let first = try await Self.startSlowQuery(agent, session: "crowded")
        // Three more at once: one takes the only queue place, the other two are refused at once.
        let answered = Counter()
        let others = ["second", "third", "fourth"].map { message in
            Task {
                defer { answered.value.add(1, ordering: .relaxed) }
                return try await agent.query(message, session: "crowded")
            }
        }
        for _ in 0..<500 where answered.value.load(ordering: .relaxed) < 2 {
            try await Task.sleep(for: .milliseconds(20))
        }
        _ = try await agent.client.request("POST", "/sessions/crowded/cancel")
        var streams: [QueryStream] = []
        for task in others { streams.append(try await task.value) }
        #expect(streams.map(\.raw.status).sorted() == [200, 409, 409], "\(streams.map(\.raw.status))")
        let firstStream = try await first.value
        #expect(firstStream.contractViolations.isEmpty)
        let queued = try #require(streams.first { $0.raw.status == 200 })
        #expect(queued.contractViolations.isEmpty && queued.seqs.first! > firstStream.seqs.last!)
    }

    /// Reject: a second query on a busy session is a 409 naming the running query.
    @Test func rejectGives409() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SESSIONS_CONCURRENCY": "reject"])
        defer { agent.stop() }
        try await agent.llm.script(Self.stalledAnswer)
        let first = try await Self.startSlowQuery(agent, session: "busy")
        for path in ["/agent/query", "/agent/query-stream", "/agent/query-stream-delta"] {
            let response = try await agent.postJSON(path, ["message": "me too", "session_id": "busy"])
            #expect(response.status == 409, "\(path): \(response.status) \(response.text)")
            let detail = try response.json()["detail"]?.stringValue ?? ""
            #expect(detail.contains("busy") && detail.contains("q-"), "\(detail)")
        }
        _ = try await agent.client.request("POST", "/sessions/busy/cancel")
        let stream = try await first.value
        #expect(stream.contractViolations.isEmpty)
        #expect(try await agent.postJSON("/agent/query", ["message": "now", "session_id": "busy"]).status == 200)
    }

    /// Reads of a session answer while a query runs on it.
    @Test func readsDoNotWait() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        _ = try await agent.postJSON("/agent/query", ["message": "warm up", "session_id": "reading"])
        try await agent.llm.script(Self.stalledAnswer)
        let running = try await Self.startSlowQuery(agent, session: "reading", requestsBefore: 1)
        let session = try await agent.client.get("/sessions/reading")
        let usage = try await agent.client.get("/agent/usage/reading")
        let list = try await agent.client.get("/sessions")
        let messages = try await agent.client.get("/sessions/reading/messages")
        let stillRunning = try await agent.llm.requests().last?["completed"] == false
        #expect(stillRunning, "the reads must answer while the query runs")
        #expect(session.status == 200 && usage.status == 200 && list.status == 200 && messages.status == 200)
        #expect(try session.json()["message_count"] == 2, "reads show the last committed state")
        #expect(try usage.json()["usage"]?["by_model"]?["fake-model"]?["invocations"] == 1)
        _ = try await agent.client.request("POST", "/sessions/reading/cancel")
        _ = try await running.value
    }

    /// Cancel stops a running query; the stream ends well-formed and the session works on.
    @Test func cancelRunningQuery() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(Self.stalledAnswer)
        let running = try await Self.startSlowQuery(agent, session: "stop-me")
        let cancel = try await agent.client.request("POST", "/sessions/stop-me/cancel")
        #expect(cancel.text == #"{"session_id":"stop-me","cancelled":true}"#)
        let stream = try await running.value
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        let cancelled = stream.first("final")?["status"] == "cancelled" || stream.first("error")?["code"] == "cancelled"
        #expect(cancelled, "\(stream.events)")
        let closed = try await agent.llm.waitForRequests(timeout: 5) { $0.first?["closed_early"] == true }
        #expect(closed.first?["closed_early"] == true, "the model call was abandoned")
        let next = try await agent.query("again", session: "stop-me")
        #expect(next.first("final")?["content"] == "echo: again")
    }

    /// Clear and DELETE on a busy session cancel its query first.
    @Test(arguments: ["clear", "delete"]) func clearAndDeleteCancel(operation: String) async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(Self.stalledAnswer)
        let running = try await Self.startSlowQuery(agent, session: "doomed")
        let response = operation == "clear"
            ? try await agent.client.request("POST", "/sessions/doomed/clear")
            : try await agent.client.request("DELETE", "/sessions/doomed")
        #expect(response.status == 200, "\(response.text)")
        let stream = try await running.value
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        let closed = try await agent.llm.waitForRequests(timeout: 5) { $0.first?["closed_early"] == true }
        #expect(closed.first?["closed_early"] == true)
        let after = try await agent.client.get("/sessions/doomed")
        if operation == "clear" {
            let count = try after.json()["message_count"]
            #expect(after.status == 200 && count == 0, "\(after.text)")
        } else {
            #expect(after.status == 404)
        }
    }

    /// Idle sessions expire and are then 404; a busy one is kept.
    @Test func expiry() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SESSIONS_SESSION_TIMEOUT_MINUTES": "0.01",
                                                 "AGENT_FCGI_SESSIONS_CLEANUP_INTERVAL_SECONDS": "0.1"])
        defer { agent.stop() }
        _ = try await agent.postJSON("/agent/query", ["message": "short-lived", "session_id": "ephemeral"])
        try await agent.llm.script(Self.stalledAnswer)
        let busy = try await Self.startSlowQuery(agent, session: "long-runner", requestsBefore: 1)
        var status = 0
        for _ in 0..<100 {
            status = try await agent.client.get("/sessions/ephemeral").status
            if status == 404 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 404, "the idle session should have expired after 0.6 s")
        #expect(try await agent.client.get("/sessions/long-runner").status == 200, "a running query keeps its session")
        _ = try await agent.client.request("POST", "/sessions/long-runner/cancel")
        let stream = try await busy.value
        #expect(stream.contractViolations.isEmpty)
        let counters = try await agent.client.get("/status").json()["sessions"]
        #expect((counters?["expired"]?.intValue ?? 0) >= 1, "\(String(describing: counters))")
    }

    /// Past max_sessions idle sessions leave memory but come back; all busy is a 503 with Retry-After.
    @Test func evictionAndCapacity() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SESSIONS_MAX_SESSIONS": "2"])
        defer { agent.stop() }
        for id in ["s1", "s2", "s3"] {
            let answer = try await agent.postJSON("/agent/query", ["message": .string("hi \(id)"), "session_id": .string(id)])
            #expect(answer.status == 200, "\(answer.text)")
        }
        let status = try await agent.client.get("/status").json()["sessions"]
        #expect(status?["in_memory"] == 2 && (status?["evicted"]?.intValue ?? 0) >= 1, "\(String(describing: status))")
        let back = try await agent.client.get("/sessions/s1").json()
        #expect(back["message_count"] == 2, "an evicted session comes back from the store: \(back)")
        #expect(try await agent.client.get("/sessions").json()["sessions"]?.arrayValue?.count == 3)

        try await agent.llm.script(Self.stalledAnswer, Self.stalledAnswer)
        let before = try await agent.llm.requests().count
        let a = try await Self.startSlowQuery(agent, session: "s2", requestsBefore: before)
        let b = try await Self.startSlowQuery(agent, session: "s3", requestsBefore: before + 1)
        let full = try await agent.postJSON("/agent/query", ["message": "no room", "session_id": "s4"])
        #expect(full.status == 503, "\(full.status) \(full.text)")
        #expect(full.headers["retry-after"].flatMap(Int.init) != nil, "\(full.headers)")
        #expect(try full.json()["detail"]?.stringValue?.isEmpty == false)
        _ = try await agent.client.request("POST", "/sessions/s2/cancel")
        _ = try await agent.client.request("POST", "/sessions/s3/cancel")
        _ = try await (a.value, b.value)
        #expect(try await agent.postJSON("/agent/query", ["message": "room now", "session_id": "s4"]).status == 200)
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
