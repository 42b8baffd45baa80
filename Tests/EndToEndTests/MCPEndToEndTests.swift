import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// MCP servers as tools, end to end.
///
/// MCP servers behind the real responder and nginx: the scripted model calls their namespaced
/// tools; /tools, /status, /metrics and /health show them; SIGHUP applies changes.
@Suite struct MCPEndToEndTests {
    static func config(_ servers: String, extra: String = "") -> String {
        """
        model:
          base_url: "@LLM@"
          max_attempts: 1
        agent:
          max_parallel_tools: 10
        \(extra)
        tools:
          mcp:
        \(servers)
        """
    }

    static func timeServer(name: String = "time", prefix: String? = nil) throws -> String {
        """
            \(name):
              transport: stdio
              argv: ["\(try MCPFixtureProcess.program("mcp-server-time"))", "--local-timezone", "UTC"]
              env_allow: [PATH, HOME]
              startup_timeout_seconds: 30
        \(prefix.map { "      prefix: \($0)" } ?? "")
        """
    }

    static func httpServer(_ fixture: MCPFixtureProcess, name: String = "fx", extra: String = "") -> String {
        """
            \(name):
              transport: http
              url: \(fixture.url)
              headers: ["X-User: {remote_user}"]
              startup_timeout_seconds: 20
        \(extra)
        """
    }

    /// Children of `parent` whose command line mentions `needle` (the stdio MCP servers the
    /// responder started; other tests run their own at the same time).
    static func processes(matching needle: String, parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let stat = FileManager.default.contents(atPath: "/proc/\(entry)/stat") else { return nil }
            // stat is "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
            let fields = String(decoding: stat, as: UTF8.self).split(separator: ")").last?.split(separator: " ") ?? []
            guard fields.count > 1, pid_t(fields[1]) == parent else { return nil }
            return String(decoding: data, as: UTF8.self).contains(needle) ? pid : nil
        }
    }

    static func query(_ stack: TestStack, _ message: String, session: String) async throws -> QueryStream {
        let body = JSONValue.object(["message": .string(message), "session_id": .string(session)]).serialized()
        let raw = try await stack.client.stream("/agent/query-stream", method: "POST", headers: [("Content-Type", "application/json")],
                                                body: Data(body.utf8), timeout: 90)
        return try QueryStream(raw)
    }

    /// The scripted model calls namespaced stdio and HTTP MCP tools; /tools, /status and /metrics show the servers.
    @Test func modelCallsNamespacedTools() async throws {
        let fixture = try await MCPFixtureProcess.start()
        defer { fixture.stop() }
        let stack = try await HTTPTestClient.onThread {
            try TestStack(config: Self.config(try Self.timeServer() + "\n" + Self.httpServer(fixture)))
        }
        defer { stack.stop() }
        try await stack.llm.script([
            ["tool_calls": [["name": "time__get_current_time", "arguments": ["timezone": "UTC"]],
                            ["name": "fx__add", "arguments": ["a": 2, "b": 3]]]],
            ["text": "It is time, and the sum is 5."],
        ])
        let stream = try await Self.query(stack, "what time is it, and 2+3?", session: "mcp-e2e")
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)\n\(stack.logs)")
        let results = Dictionary(uniqueKeysWithValues: stream.all("tool_result").compactMap { event in
            event["tool"]?.stringValue.map { ($0, event) }
        })
        #expect(results["fx__add"]?["result"] == "5" && results["fx__add"]?["is_error"] != true, "\(results)")
        let time = try #require(results["time__get_current_time"]?["result"]?.stringValue, "\(stream.types)\n\(stack.logs)")
        #expect(time.contains("\"timezone\"") && time.contains("UTC"), "\(time)")

        let tools = try await stack.client.get("/tools").json()["tools"]?.arrayValue ?? []
        let byName = Dictionary(uniqueKeysWithValues: tools.compactMap { tool in tool["name"]?.stringValue.map { ($0, tool) } })
        #expect(byName["time__get_current_time"]?["server"] == "time")
        #expect(byName["fx__add"]?["server"] == "fx" && byName["fx__add"]?["parameters"]?["type"] == "object")
        #expect(byName["calculator"] != nil && byName["calculator"]?["server"] == nil)

        let status = try await stack.client.get("/status").json()
        #expect(status["mcp_servers"]?["time"]?["state"] == "up" && status["mcp_servers"]?["time"]?["calls"] == 1, "\(status)")
        #expect(status["mcp_servers"]?["fx"]?["transport"] == "http" && status["mcp_servers"]?["fx"]?["tools"]?.intValue ?? 0 >= 5)
        let metrics = try PrometheusText(parsing: try await stack.client.get("/metrics").text)
        #expect(metrics.value("agent_mcp_server_up", ["server": "time"]) == 1)
        #expect(metrics.value("agent_mcp_call_duration_seconds_count", ["server": "fx", "outcome": "ok"]) == 1)
        #expect(metrics.value("agent_mcp_server_restarts_total", ["server": "fx"]) == 0)
        #expect((metrics.value("agent_mcp_server_tools", ["server": "time"]) ?? 0) >= 2)
    }

    /// A required server that is down: /health degraded and queries 503; removed by SIGHUP: healthy, its tools
    /// gone; added back by the next SIGHUP: degraded again.
    @Test func requiredServerDownRefusesQueriesUntilReload() async throws {
        let ghost = """
                ghost:
                  transport: stdio
                  argv: [/nonexistent/mcp-server]
                  required: true
                  startup_timeout_seconds: 1
            """
        let optional = """
                optional:
                  transport: http
                  url: http://127.0.0.1:9/mcp
                  startup_timeout_seconds: 1
            """
        let stack = try await HTTPTestClient.onThread { try TestStack(config: Self.config(ghost + "\n" + optional)) }
        defer { stack.stop() }
        #expect(try await stack.client.get("/health").json()["status"] == "degraded")
        let refused = try await stack.post("/agent/query", #"{"message": "hi", "session_id": "mcp-refused"}"#)
        #expect(refused.status == 503 && refused.headers["retry-after"] != nil, "\(refused.status) \(refused.text)")
        #expect(refused.text.contains("required MCP server ghost is"), "\(refused.text)")
        let status = try await stack.client.get("/status").json()
        #expect(status["mcp_servers"]?["ghost"]?["last_error"]?.stringValue?.contains("cannot start") == true, "\(status)")

        try stack.writeConfig(Self.config(optional))
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        #expect(try await stack.client.get("/health").json()["status"] == "healthy")
        let answered = try await stack.post("/agent/query", #"{"message": "hi", "session_id": "mcp-ok"}"#)
        #expect(answered.status == 200, "an optional server that is down does not stop queries: \(answered.text)")
        let after = try await stack.client.get("/status").json()["mcp_servers"]
        #expect(after?["ghost"] == nil && after?["optional"]?["state"] != "up", "\(String(describing: after))")

        // Required again by the next reload: degraded again (the health check's "is any server
        // required" follows every reload, both ways).
        try stack.writeConfig(Self.config(ghost + "\n" + optional))
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        #expect(try await stack.client.get("/health").json()["status"] == "degraded")
    }

    /// SIGHUP adds a server (its tools appear) and a clash of exposed names is rejected naming both.
    @Test func reloadAddsServersAndRejectsClashes() async throws {
        let fixture = try await MCPFixtureProcess.start()
        defer { fixture.stop() }
        let stack = try await HTTPTestClient.onThread { try TestStack(config: Self.config(Self.httpServer(fixture))) }
        defer { stack.stop() }
        try stack.writeConfig(Self.config(Self.httpServer(fixture) + "\n" + (try Self.timeServer())))
        #expect(stack.reload(expecting: "configuration reloaded", timeout: 40), "\(stack.logs)")
        let names = (try await stack.client.get("/tools").json()["tools"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names.contains("time__convert_time") && names.contains("fx__add"), "\(names)")

        let marker = "--local-timezone"
        #expect(Self.processes(matching: marker, parent: stack.responder.process.pid).count == 1, "one mcp-server-time process runs")

        try stack.writeConfig(Self.config(Self.httpServer(fixture) + "\n" + Self.httpServer(fixture, name: "copy", extra: "      prefix: fx")))
        #expect(stack.reload(expecting: "configuration reload rejected", timeout: 40), "\(stack.logs)")
        let rejected = try #require(LogLines.parse(stack.responder.process.log).last { $0["msg"]?.hasPrefix("configuration reload rejected") == true })
        #expect(rejected["reason"]?.contains("tools.mcp.fx tool \"add\" and tools.mcp.copy tool \"add\" are both offered as \"fx__add\"") == true,
                "\(rejected)")
        let kept = (try await stack.client.get("/tools").json()["tools"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(kept.contains("time__convert_time"), "the running configuration is kept: \(kept)")

        try stack.writeConfig(Self.config(Self.httpServer(fixture)))
        #expect(stack.reload(expecting: "configuration reloaded", timeout: 40), "\(stack.logs)")
        #expect(TestEnvironment.waitUntil(timeout: 10) { Self.processes(matching: marker, parent: stack.responder.process.pid).isEmpty },
                "a server removed by reload is stopped")
        let left = (try await stack.client.get("/tools").json()["tools"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(!left.contains("time__convert_time") && left.contains("fx__add"), "\(left)")
    }

    /// Cancelling the query cancels its MCP call at the server; shutdown stops stdio servers.
    @Test func queryCancelReachesTheServerAndShutdownStopsServers() async throws {
        let fixture = try await MCPFixtureProcess.start()
        defer { fixture.stop() }
        let stdio = """
                local:
                  transport: stdio
                  argv: ["\(try MCPFixtureProcess.program("python"))", "\(MCPFixtureProcess.script)", "--transport", "stdio"]
                  startup_timeout_seconds: 20
            """
        let stack = try await HTTPTestClient.onThread { try TestStack(config: Self.config(Self.httpServer(fixture) + "\n" + stdio)) }
        defer { stack.stop() }
        let responder = stack.responder.process.pid
        let servers = Self.processes(matching: "--transport\u{0}stdio", parent: responder)
        #expect(servers.count == 1)
        try await stack.llm.script([
            ["tool_calls": [["name": "fx__sleep", "arguments": ["seconds": 60]]]],
            ["tool_calls": [["name": "fx__stats", "arguments": [:]]]],
            ["text": "done"],
        ])
        let running = Task { try await Self.query(stack, "wait", session: "mcp-cancel") }
        _ = try await stack.llm.waitForRequests { $0.count >= 1 }
        // The model's answer streams, then the call starts and sleeps at the server.
        try await Task.sleep(for: .milliseconds(1500))
        let cancel = try await stack.post("/sessions/mcp-cancel/cancel", "{}")
        #expect(cancel.status == 200, "\(cancel.status) \(cancel.text)")
        let cancelled = try await running.value
        #expect(cancelled.first("final")?["status"] == "cancelled", "\(cancelled.types)")
        let stats = try await Self.query(stack, "stats?", session: "mcp-cancel")
        let result = try #require(stats.first("tool_result")?["result"]?.stringValue, "\(stats.types)")
        #expect((try JSONValue.parse(result))["cancelled"] == 1, "the server saw notifications/cancelled: \(result)")

        stack.responder.stop()
        // By pid: a server that outlived the responder would have a new parent.
        #expect(TestEnvironment.waitUntil(timeout: 10) { servers.allSatisfy { kill($0, 0) != 0 } },
                "the stdio server is stopped with the responder")
        #expect(stack.responder.process.log.contains("MCP server stopped"), "\(stack.responder.process.log.suffix(2000))")
    }

    /// 50 concurrent MCP calls from 5 queries through nginx all answer.
    @Test func fiftyConcurrentCallsFromSeveralQueries() async throws {
        let fixture = try await MCPFixtureProcess.start()
        defer { fixture.stop() }
        let stack = try await HTTPTestClient.onThread { try TestStack(config: Self.config(Self.httpServer(fixture))) }
        defer { stack.stop() }
        // Five responses of ten calls each; whichever query takes one runs its ten calls at once.
        try await stack.llm.script((0..<5).map { query in
            ["tool_calls": .array((0..<10).map { call in
                ["name": "fx__sleep", "arguments": ["seconds": 0.5], "id": .string("call_\(query)_\(call)")]
            })]
        })
        let streams = try await withThrowingTaskGroup(of: QueryStream.self) { group in
            for query in 0..<5 { group.addTask { try await Self.query(stack, "work", session: "mcp-load-\(query)") } }
            var all: [QueryStream] = []
            for try await stream in group { all.append(stream) }
            return all
        }
        let results = streams.flatMap { $0.all("tool_result") }
        #expect(results.count == 50, "\(streams.map(\.types))")
        #expect(results.allSatisfy { $0["result"] == "slept 0.5s" && $0["is_error"] != true }, "\(results.prefix(3))")
        #expect(streams.allSatisfy { $0.contractViolations.isEmpty })
        let status = try await stack.client.get("/status").json()
        #expect(status["mcp_servers"]?["fx"]?["calls"] == 50 && status["mcp_servers"]?["fx"]?["errors"] == 0, "\(status)")
    }

    /// Two servers exposing one name stop the responder at start, naming both.
    @Test func clashAtStartIsAConfigurationError() async throws {
        let config = Self.config(try Self.timeServer(name: "clock") + "\n" + (try Self.timeServer(name: "watch", prefix: "clock")))
        do {
            let stack = try await HTTPTestClient.onThread { try TestStack(config: config) }
            stack.stop()
            Issue.record("the responder started with a clash of exposed names")
        } catch {
            let text = "\(error)"
            // The log line is logfmt, so the quotes around the tool names arrive escaped.
            #expect(text.contains("msg=\"cannot start\"") && text.contains("tools.mcp.clock tool")
                    && text.contains("and tools.mcp.watch tool") && text.contains("are both offered as"), "\(text)")
        }
    }
}
