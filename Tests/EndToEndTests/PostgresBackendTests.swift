import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// PostgreSQL backend end to end.
///
/// The built responder behind nginx with `storage.backend: postgresql` on a throwaway cluster
/// the test starts itself (scripts/pg-test-cluster): sessions live in PostgreSQL, survive a
/// restart, and a database that goes away turns queries into 503s before the model is called.
@Suite struct PostgresBackendTests {
    static func environment(_ url: String) -> [String: String] {
        // A fixed instance id: the restarted responder is the same lease owner, so it closes the
        // queries its previous life left running at start-up instead of after lease_seconds.
        PostgresTestCluster.responderEnvironment(url).merging(["AGENT_FCGI_SERVER_INSTANCE_ID": "pg-e2e"]) { _, new in new }
    }

    /// A conversation on PostgreSQL survives a restart of the responder, and seq goes on.
    @Test func conversationSurvivesRestart() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase(prefix: "e2e")
        let stack = try TestStack(environment: Self.environment(url))
        defer { stack.stop() }
        #expect(stack.responderLog.contains("PostgreSQL store ready"), "\(stack.responderLog)")

        let created = try await stack.postJSON("/sessions", ["system_prompt": "be brief"])
        #expect(created.status == 201 || created.status == 200, "\(created.text)")
        let sessionId = try #require(try created.json()["session_id"]?.stringValue ?? created.json()["id"]?.stringValue)
        let first = try await stack.postJSON("/agent/query", ["message": "first turn", "session_id": .string(sessionId)])
        #expect(first.status == 200, "\(first.text)")
        #expect(try first.json()["response"] == "echo: first turn")
        let before = try await stack.eventLog(sessionId)
        #expect(try await stack.getJSON("/health")["status"] == "healthy")

        try stack.restartResponder()
        let messages = try await stack.getJSON("/sessions/\(sessionId)/messages")["messages"]?.arrayValue ?? []
        #expect(messages.compactMap { $0["content"]?.stringValue } == ["first turn", "echo: first turn"], "\(messages)")
        let replayed = try await stack.eventLog(sessionId)
        #expect(replayed.events.map(\.data) == before.events.map(\.data), "the event log is replayed from PostgreSQL")

        let second = try await stack.postJSON("/agent/query", ["message": "second turn", "session_id": .string(sessionId)])
        #expect(second.status == 200, "\(second.text)")
        let log = try await stack.eventLog(sessionId)
        #expect(log.seqs == Array(1...log.seqs.count), "seq continues after the restart: \(log.seqs)")
        #expect(log.seqs.count > before.seqs.count)
        let sent = try await stack.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        #expect(sent.compactMap { $0["content"]?.stringValue }.suffix(3) == ["first turn", "echo: first turn", "second turn"],
                "the model saw the history loaded from PostgreSQL: \(sent)")

        // The rows are really in PostgreSQL, and no SQLite file was made.
        #expect(try Self.psql(url, "SELECT count(*) FROM messages WHERE session_id = '\(sessionId)'") == "4")
        #expect(!FileManager.default.fileExists(atPath: stack.storePath))
        let status = try await stack.getJSON("/status")
        #expect(status["store"]?["writable"] == true, "\(status)")

        // Title, cleared usage: a clear resets usage but keeps the title and the lifetime, and
        // both come back from PostgreSQL after another restart.
        let used = try await stack.getJSON("/sessions/\(sessionId)")["usage"]
        #expect(try await stack.postJSON("/sessions/\(sessionId)/clear", [:]).status == 200)
        try stack.restartResponder()
        let listed = try await stack.getJSON("/sessions")["sessions"]?.arrayValue ?? []
        #expect(listed.first { $0["session_id"]?.stringValue == sessionId }?["title"] == "first turn", "\(listed)")
        let cleared = try await stack.getJSON("/sessions/\(sessionId)")
        #expect(cleared["lifetime_usage"] == used, "what the clear set aside survives the restart: \(cleared)")
        #expect(cleared["usage"] != used && cleared["message_count"] == 0, "\(cleared)")
    }

    /// PostgreSQL down: /health degraded, 503 with Retry-After before the model is called, service resumes by
    /// itself.
    @Test func databaseDownAndBack() async throws {
        // Stopping the server must not disturb other tests: this one has its own cluster.
        let cluster = try await PostgresTestCluster()
        defer { cluster.stop() }
        let url = try await cluster.makeDatabase(prefix: "e2e")
        let stack = try TestStack(environment: Self.environment(url))
        defer { stack.stop() }
        let first = try await stack.postJSON("/agent/query", ["message": "before", "session_id": "pg-down"])
        #expect(first.status == 200, "\(first.text)")

        try await cluster.pause()
        #expect(try await StoreFailureTests.waitForHealth("degraded", stack), "\(stack.responderLog)")
        let status = try await stack.getJSON("/status")
        #expect(status["store"]?["writable"] == false)
        #expect(status["store"]?["problem"]?.stringValue?.contains("PostgreSQL") == true, "\(status)")
        let requestsBefore = try await stack.llm.requests().count
        let refused = try await stack.postJSON("/agent/query", ["message": "during", "session_id": "pg-down"])
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.headers["retry-after"] != nil)
        #expect(try await stack.llm.requests().count == requestsBefore, "the model must not be called for a turn that cannot be saved")

        try await cluster.resume()
        #expect(try await StoreFailureTests.waitForHealth("healthy", stack), "\(stack.responderLog)")
        let again = try await stack.postJSON("/agent/query", ["message": "after", "session_id": "pg-down"])
        #expect(again.status == 200, "\(again.text)")
        let messages = try await stack.getJSON("/sessions/pg-down/messages")["messages"]?.arrayValue ?? []
        #expect(messages.compactMap { $0["content"]?.stringValue } == ["before", "echo: before", "after", "echo: after"],
                "nothing half-written while the database was away")
    }

    /// Kill -9 mid-query on PostgreSQL: the restarted responder closes it as interrupted and the session goes on.
    @Test func killMidQueryIsRecovered() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase(prefix: "e2e")
        let stack = try TestStack(environment: Self.environment(url))
        defer { stack.stop() }
        try await stack.llm.script([DurabilityTests.toolStep("call_1", "2+3"), DurabilityTests.slowText(words: 60, delayMs: 150)])
        let seen = try await stack.readStream("POST", "/agent/query-stream-delta",
                                              body: DurabilityTests.query("compute", session: "pg-crash"),
                                              until: { $0.events.filter { $0.data?.contains(#""type":"text_delta""#) == true }.count >= 3 },
                                              whileOpen: { try stack.killResponder() })
        let maxSeen = try #require(seen.seqs.max())
        try stack.startResponder()
        #expect(stack.responderLog.contains("recovered=1"), "\(stack.responderLog)")
        let log = try await stack.eventLog("pg-crash")
        let objects = try log.eventObjects()
        #expect(objects.suffix(2).map { $0["type"]?.stringValue } == ["final", "usage"])
        #expect(objects.dropLast().last?["status"] == "interrupted")
        #expect(try #require(log.seqs.dropLast().last) > maxSeen, "the interrupted final is numbered above what the client saw")
        let messages = try await stack.getJSON("/sessions/pg-crash/messages")["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue ?? "?" } == ["user", "assistant", "tool"], "the last completed step")
        let again = try await stack.postJSON("/agent/query", DurabilityTests.query("again", session: "pg-crash"))
        #expect(again.status == 200, "\(again.text)")
        let after = try await stack.eventLog("pg-crash")
        #expect(after.seqs == after.seqs.sorted() && Set(after.seqs).count == after.seqs.count)
        #expect(after.seqs.count > log.seqs.count)
    }

    /// Agent-fcgi --migrate creates the schema, is a no-op when current, and refuses a newer schema.
    @Test func migrateFlag() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase(prefix: "e2e")
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-migrate")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func migrate(_ name: String) throws -> (Int32?, String) {
            let process = try ManagedProcess(TestEnvironment.responderBinary, ["--migrate"], environment: Self.environment(url),
                                             logPath: "\(directory)/\(name).log")
            let code = process.waitForExit(timeout: 30)
            return (code, process.log)
        }
        let (firstCode, first) = try migrate("first")
        #expect(firstCode == 0 && first.contains("migrated from v0 to v\(PostgresSessionStore.schemaVersion)"), "\(first)")
        #expect(try Self.psql(url, "SELECT version FROM schema_version") == "\(PostgresSessionStore.schemaVersion)")
        let (secondCode, second) = try migrate("second")
        #expect(secondCode == 0 && second.contains("nothing to do"), "\(second)")
        _ = try Self.psql(url, "UPDATE schema_version SET version = 42")
        let (newerCode, newer) = try migrate("newer")
        #expect(newerCode == 1, "\(newer)")
        #expect(newer.contains("schema version 42") && newer.contains("upgrade agent-fcgi"), "\(newer)")
    }

    /// psql with the cluster's URI; the one value the query selects.
    static func psql(_ url: String, _ sql: String) throws -> String {
        try PostgresTestCluster.psql(url, sql)
    }
}
