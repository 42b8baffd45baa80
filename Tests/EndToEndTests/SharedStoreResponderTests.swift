import AgentCore
import AgentTestSupport
import Foundation
import Synchronization
import Testing

/// Several responders on one PostgreSQL.
///
/// Three responders on one throwaway PostgreSQL behind one nginx upstream with plain round
/// robin (`ResponderCluster`): any responder serves any session, the session policies hold
/// across them, a responder killed mid-stream has its query closed as interrupted by another,
/// a database outage is a clean 503 everywhere, and concurrent traffic loses nothing.
@Suite(.serialized) struct SharedStoreResponderTests {
    /// Plain round robin over three responders, with the 2 s leases and pool of two these tests were written for.
    static func cluster(databaseURL: String? = nil, leaseSeconds: Double = 2,
                        environment: [String: String] = [:]) async throws -> ResponderCluster {
        try await ResponderCluster(databaseURL: databaseURL, leaseSeconds: leaseSeconds,
                                   environment: ["AGENT_FCGI_STORAGE_POOL_SIZE": "2"].merging(environment) { _, mine in mine })
    }

    static func text(_ response: HTTPTestResponse) throws -> String? {
        try response.json()["response"]?.stringValue
    }

    /// A conversation whose turns alternate between responders keeps every turn, and every responder reads it whole.
    @Test func conversationAlternatingResponders() async throws {
        let cluster = try await Self.cluster()
        defer { cluster.stop() }
        var expected: [String] = []
        for turn in 1...6 {
            let answer = try await cluster.post("/agent/query", ["message": .string("turn \(turn)"), "session_id": "alt"])
            #expect(answer.status == 200, "turn \(turn): \(answer.text)")
            #expect(try Self.text(answer) == "echo: turn \(turn)")
            expected += ["turn \(turn)", "echo: turn \(turn)"]
            // Each read goes to the next responder: every one sees the whole conversation.
            #expect(try await cluster.messageContents("alt") == expected, "after turn \(turn)")
        }
        #expect(cluster.servers(of: "/agent/query", session: "alt").count == 3, "round robin spread the turns over all three")
        let log = try await cluster.eventLog("alt")
        #expect(log.seqs == Array(1...log.seqs.count), "one unbroken event sequence across responders: \(log.seqs)")
        #expect(try log.eventObjects().filter { $0["type"] == "final" }.count == 6)
        // The model saw the whole history each time, wherever the previous turn ran.
        let sent = try await cluster.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        #expect(sent.compactMap { $0["content"]?.stringValue }.suffix(11) == Array(expected.dropLast()))
        let reloads = try await (0..<3).asyncMap { _ in try await cluster.getJSON("/status")["sessions"]?["cache_reloads"]?.doubleValue ?? 0 }
        #expect(reloads.reduce(0, +) > 0, "copies made stale by other responders were reloaded: \(reloads)")
        let status = try await cluster.getJSON("/status")
        #expect(status["store"]?["backend"] == "postgresql" && status["instance_id"]?.stringValue?.hasPrefix("r") == true,
                "\(status)")
        #expect(status["store"]?["pool"]?["size"] == 2, "\(status)")
    }

    /// A second query through another responder waits for the running one under queue, and gets 409 under reject.
    @Test func policiesHoldAcrossResponders() async throws {
        for policy in ["queue", "reject"] {
            let cluster = try await Self.cluster(environment: ["AGENT_FCGI_SESSIONS_CONCURRENCY": policy])
            defer { cluster.stop() }
            try await cluster.llm.script([DurabilityTests.slowText(words: 20, delayMs: 100)])
            let second = Mutex<HTTPTestResponse?>(nil)
            let stream = try await cluster.readStream(
                "/agent/query-stream-delta", body: DurabilityTests.query("first", session: "busy"),
                until: { $0.events.contains { $0.data?.contains(#""type":"text_delta""#) == true } },
                whileOpen: {
                    // Round robin: this request goes to the next responder, not the one streaming.
                    let answer = try blockingRequest(cluster, "/agent/query", DurabilityTests.query("second", session: "busy"))
                    second.withLock { $0 = answer }
                })
            let answer = try #require(second.withLock { $0 })
            let streamObjects = try stream.eventObjects()
            #expect(streamObjects.suffix(2).map { $0["type"]?.stringValue } == ["final", "usage"], "\(policy): the first query finished")
            let firstServer = cluster.servers(of: "/agent/query-stream-delta", session: "busy")
            let secondServer = policy == "queue" ? cluster.servers(of: "/agent/query", session: "busy")
                : cluster.servers(of: "/agent/query", status: 409)
            #expect(firstServer.count == 1 && secondServer.count == 1 && firstServer != secondServer,
                    "\(policy): the two queries went to different responders (\(firstServer), \(secondServer))")
            let words = (1...20).map { "w\($0)" }.joined(separator: " ")
            if policy == "queue" {
                #expect(answer.status == 200, "\(answer.text)")
                #expect(try Self.text(answer) == "echo: second")
                #expect(try await cluster.messageContents("busy") == ["first", words, "second", "echo: second"],
                        "the second ran after the first, on the history the first left")
            } else {
                #expect(answer.status == 409, "\(answer.text)")
                #expect(answer.text.contains("running on responder r"), "\(answer.text)")
                #expect(try await cluster.messageContents("busy") == ["first", words])
                #expect(try await cluster.llm.requests().count == 1, "the refused query never reached the model")
            }
        }
    }

    /// Kill -9 of the responder running a stream: another closes it as interrupted within lease_seconds plus a few, and the session goes on.
    @Test func killedResponderIsTakenOver() async throws {
        let leaseSeconds = 2.0
        let cluster = try await Self.cluster(leaseSeconds: leaseSeconds)
        defer { cluster.stop() }
        try await cluster.llm.script([DurabilityTests.toolStep("call_1", "2+3"), DurabilityTests.slowText(words: 80, delayMs: 150)])
        let killedAt = Mutex<ContinuousClock.Instant?>(nil)
        let seen = try await cluster.readStream(
            "/agent/query-stream-delta", body: DurabilityTests.query("compute", session: "crash"),
            until: { $0.events.filter { $0.data?.contains(#""type":"text_delta""#) == true }.count >= 3 },
            whileOpen: {
                let owner = try cluster.psql("SELECT lease_owner FROM sessions WHERE id = 'crash'")
                guard let index = Int(owner.dropFirst()), owner.hasPrefix("r") else { throw TestFailure("lease owner \(owner)") }
                try cluster.kill(index)
                killedAt.withLock { $0 = .now }
            })
        let maxSeen = try #require(seen.seqs.max())
        let killed = try #require(killedAt.withLock { $0 })
        // Poll the survivors until the interrupted final is in the log.
        var closedAfter: Duration?
        while ContinuousClock.now - killed < .seconds(leaseSeconds + 10) {
            let log = try await cluster.eventLog("crash")
            if try log.eventObjects().contains(where: { $0["status"] == "interrupted" }) {
                closedAfter = ContinuousClock.now - killed
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let failover = try #require(closedAfter, "no responder closed the dead query")
        print("failover (kill -9 → interrupted visible): \(failover) with lease_seconds \(leaseSeconds)")
        try? "\(failover.inSeconds)\n".write(toFile: NSTemporaryDirectory() + "agent-fcgi-failover-seconds", atomically: true,
                                             encoding: .utf8)
        #expect(failover < .seconds(leaseSeconds + 4), "closed within lease_seconds plus a few seconds")
        let log = try await cluster.eventLog("crash")
        let objects = try log.eventObjects()
        #expect(objects.suffix(2).map { $0["type"]?.stringValue } == ["final", "usage"])
        #expect(objects.dropLast().last?["status"] == "interrupted")
        #expect(try #require(log.seqs.dropLast().last) > maxSeen, "numbered above everything the client saw")
        let messages = try await cluster.getJSON("/sessions/crash/messages")["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue ?? "?" } == ["user", "assistant", "tool"], "the last completed step")
        let takeovers = try await (0..<3).asyncMap { _ in
            try await cluster.getJSON("/status")["leases"]?["takeovers"]?.doubleValue ?? 0
        }
        #expect(takeovers.reduce(0, +) >= 1, "a survivor's sweeper took it over: \(takeovers)")

        let again = try await cluster.post("/agent/query", DurabilityTests.query("again", session: "crash"))
        #expect(again.status == 200, "\(again.text)")
        let after = try await cluster.eventLog("crash")
        #expect(after.seqs == after.seqs.sorted() && Set(after.seqs).count == after.seqs.count)
        #expect(try #require(after.seqs.first { $0 > log.seqs.last ?? 0 }) == (log.seqs.last ?? 0) + 1, "seq goes on")
    }

    /// PostgreSQL stopped: every responder degraded, 503 with Retry-After, the model never called; all recover when it returns.
    @Test func databaseDownAcrossResponders() async throws {
        let postgres = try await PostgresTestCluster()
        defer { postgres.stop() }
        let url = try await postgres.makeDatabase(prefix: "multi")
        let cluster = try await Self.cluster(databaseURL: url)
        defer { cluster.stop() }
        #expect(try await cluster.post("/agent/query", DurabilityTests.query("before", session: "down")).status == 200)

        // A query running when the database goes away ends in error; its history stays valid.
        try await cluster.llm.script([DurabilityTests.toolStep("call_1", "1+1"), DurabilityTests.slowText(words: 30, delayMs: 100)])
        let directory = postgres.directory
        let cut = try await cluster.readStream(
            "/agent/query-stream-delta", body: DurabilityTests.query("during", session: "down"),
            until: { $0.events.filter { $0.data?.contains(#""type":"text_delta""#) == true }.count >= 2 },
            whileOpen: { try pgTestCluster("pause", directory) })
        #expect(try cut.eventObjects().contains { $0["type"] == "error" }, "the turn's end could not be saved: \(cut.frames.suffix(3))")

        #expect(try await Self.allSay("degraded", cluster), "every responder turns degraded")
        let requestsBefore = try await cluster.llm.requests().count
        for _ in 0..<3 {
            let refused = try await cluster.post("/agent/query", DurabilityTests.query("refused", session: "down"))
            #expect(refused.status == 503, "\(refused.text)")
            #expect(refused.headers["retry-after"] != nil)
        }
        #expect(try await cluster.llm.requests().count == requestsBefore, "no model call for turns that cannot be saved")

        try await postgres.resume()
        #expect(try await Self.allSay("healthy", cluster), "every responder recovers by itself")
        // The query cut off by the outage is closed (its end could not be written; its lease
        // expires and is swept, or the next query's start closes it), then the session goes on.
        let after = try await cluster.post("/agent/query", DurabilityTests.query("after", session: "down"))
        #expect(after.status == 200, "\(after.text)")
        let contents = try await cluster.messageContents("down")
        #expect(contents.prefix(2) == ["before", "echo: before"] && contents.suffix(2) == ["after", "echo: after"],
                "\(contents)")
        #expect(!contents.contains("refused") && !contents.contains { $0.hasPrefix("w1 w2") },
                "nothing half-written: the cut-off turn kept at most its completed tool step: \(contents)")
    }

    /// A dozen sessions × five queries each, spread over all responders at once, lose nothing.
    @Test func concurrentSessionsLoseNothing() async throws {
        let cluster = try await Self.cluster()
        defer { cluster.stop() }
        let sessions = (0..<12).map { "many-\($0)" }
        let failures = try await withThrowingTaskGroup(of: [String].self) { group in
            for id in sessions {
                group.addTask {
                    var failures: [String] = []
                    for turn in 1...5 {
                        let answer = try await cluster.post("/agent/query", DurabilityTests.query("\(id) q\(turn)", session: id))
                        if answer.status != 200 { failures.append("\(id) q\(turn): \(answer.status) \(answer.text)") }
                    }
                    return failures
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        var served: Set<Int> = []
        for id in sessions {
            let expected = (1...5).flatMap { ["\(id) q\($0)", "echo: \(id) q\($0)"] }
            #expect(try await cluster.messageContents(id) == expected, "\(id)")
            let log = try await cluster.eventLog(id)
            #expect(log.seqs == Array(1...log.seqs.count), "\(id): \(log.seqs)")
            served.formUnion(cluster.servers(of: "/agent/query", session: id))
        }
        #expect(served == [0, 1, 2], "every responder served queries")
        #expect(try await cluster.llm.requests().count == 60)
    }

    /// `/health` read as many times as there are responders in a row says `status` (round robin
    /// asks each), within `timeout` seconds.
    static func allSay(_ status: String, _ cluster: ResponderCluster, timeout: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var streak = 0
        while Date() < deadline {
            streak = try await cluster.getJSON("/health")["status"]?.stringValue == status ? streak + 1 : 0
            if streak >= cluster.count * 2 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}

/// A blocking POST from a plain thread (inside `readStream`'s `whileOpen`).
private func blockingRequest(_ cluster: ResponderCluster, _ path: String, _ body: JSONValue) throws -> HTTPTestResponse {
    let data = Data(body.serialized().utf8)
    let connection = try RawConnection(port: cluster.port, timeout: 60)
    try connection.send("POST \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(data.count)\r\n\r\n")
    connection.sendIgnoringReset(data)
    let (head, first) = try connection.readHead()
    var rest = first
    while let chunk = try connection.read() { rest.append(chunk) }
    return HTTPTestResponse(head: head, body: rest)
}

/// scripts/pg-test-cluster from a plain thread (the database going down mid-stream).
private func pgTestCluster(_ command: String, _ directory: String) throws {
    let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/pg-test-cluster").path
    let process = try ManagedProcess(script, [command, directory], logPath: NSTemporaryDirectory() + "pg-\(UUID().uuidString).log")
    guard process.waitForExit(timeout: 30) == 0 else { throw TestFailure("pg-test-cluster \(command) failed: \(process.log)") }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
