import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// GET /metrics through a real web server.
@Suite struct MetricsEndpointTests {
    func scrape(_ client: HTTPTestClient, _ logs: @autoclosure () -> String = "") async throws -> PrometheusText {
        let response = try await client.get("/metrics")
        #expect(response.status == 200, "\(logs())")
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        return try PrometheusText(parsing: response.text)
    }

    /// /metrics is valid Prometheus text and request counters move with traffic, by route template.
    @Test func requestCountersMove() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        let before = try await scrape(stack.client, stack.logs)
        for _ in 0..<3 { _ = try await stack.client.get("/ping") }
        _ = try await stack.client.get("/sessions/not-there-1")
        _ = try await stack.client.get("/sessions/not-there-2")
        _ = try await stack.client.get("/no/such/route")
        let after = try await scrape(stack.client)

        func moved(_ labels: [String: String], _ name: String = "agent_fcgi_http_requests_total") -> Double {
            (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0)
        }
        #expect(moved(["method": "GET", "route": "/ping", "status": "200"]) == 3)
        #expect(moved(["method": "GET", "route": "/ping", "status": "200"], "agent_fcgi_http_request_duration_seconds_count") == 3)
        #expect(moved(["method": "GET", "route": "/sessions/{id}", "status": "404"]) == 2)
        #expect(moved(["method": "GET", "route": "unmatched", "status": "404"]) == 1)
        let routes = after.labelValues("agent_fcgi_http_requests_total", "route")
        #expect(!routes.contains { $0.contains("not-there") || $0.contains("/no/such") }, "raw paths became labels: \(routes)")

        #expect(after.types["agent_fcgi_http_requests_total"] == "counter")
        #expect(after.types["agent_fcgi_http_request_duration_seconds"] == "histogram")
        for family in after.types.keys {
            #expect(after.help[family]?.isEmpty == false, "\(family) has no HELP line")
        }
        // The scrape itself is the one busy worker.
        let busy = try #require(after.value("agent_fcgi_workers_busy"))
        let idle = try #require(after.value("agent_fcgi_workers_idle"))
        #expect(busy >= 1 && busy + idle == 256, "busy \(busy) idle \(idle)")
        #expect(after.value("agent_fcgi_http_requests_in_flight") ?? 0 >= 1)
        #expect(after.value("agent_fcgi_active_streams") == 0)
        #expect(after.value("agent_fcgi_build_info", ["version": AgentCoreInfo.version]) == 1)
        for counter in ["agent_fcgi_client_aborts_total", "agent_fcgi_slow_requests_total", "agent_sessions_evicted_total",
                        "agent_sessions_expired_total"] {
            #expect(after.value(counter) == 0, "\(counter) should exist at 0 before anything happened")
        }
    }

    /// Model calls, retries, tokens, cost, tools, sessions, store commits and stream events are counted.
    @Test func agentCountersMove() async throws {
        let stack = try TestStack()
        defer { stack.stop() }
        // One transport retry (a 500, then an answer), then a tool call round trip.
        try await stack.llm.script([["status": 500], ["text": "recovered"],
                                    ["tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"]]]],
                                    ["text": "The answer is 5."]])
        let first = try await stack.post("/agent/query", #"{"message": "hello"}"#)
        #expect(first.status == 200, "\(first.text)\n\(stack.logs)")
        let sessionId = try #require(try first.json()["session_id"]?.stringValue)
        let streamed = try await stack.post("/agent/query-stream", #"{"message": "what is 2+3?", "session_id": "\#(sessionId)"}"#)
        #expect(streamed.status == 200)
        let eventsReceived = streamed.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.count
        #expect(eventsReceived > 0)

        let metrics = try await scrape(stack.client, stack.logs)
        let model = ["model": "gpt-4o-mini"]
        #expect(metrics.value("agent_llm_call_duration_seconds_count", model.merging(["outcome": "ok"]) { $1 }) == 3,
                "\(metrics.samples.filter { $0.name.hasPrefix("agent_llm") })")
        #expect(metrics.value("agent_llm_retries_total", model.merging(["layer": "transport", "reason": "server"]) { $1 }) == 1)
        #expect(metrics.total("agent_llm_tokens_total", matching: model.merging(["kind": "prompt"]) { $1 }) > 0)
        #expect(metrics.total("agent_llm_tokens_total", matching: model.merging(["kind": "completion"]) { $1 }) > 0)
        #expect(metrics.value("agent_llm_cost_dollars_total", model) ?? 0 > 0, "gpt-4o-mini is in the shipped price table")
        #expect(metrics.value("agent_tool_call_duration_seconds_count", ["tool": "calculator", "status": "completed"]) == 1)
        let commits = metrics.total("agent_store_commit_duration_seconds_count", matching: ["outcome": "ok"])
        #expect(commits >= 2)
        #expect(metrics.value("agent_store_write_duration_seconds_count") == commits,
                "every successful commit is also timed inside the store")
        #expect(metrics.value("agent_sessions_created_total") == 1)
        #expect(metrics.value("agent_sessions_in_memory") == 1)
        #expect(metrics.value("agent_sessions_stored") == 1)
        #expect(metrics.value("agent_fcgi_stream_events_total", ["route": "/agent/query-stream"]) == Double(eventsReceived))
        let labels = metrics.samples.flatMap { $0.labels.values }
        #expect(!labels.contains(sessionId), "a session id became a label value")
    }
}

/// The Prometheus text checker used by the /metrics tests.
@Suite struct PrometheusTextCheckerTests {
    static let valid = """
        # HELP requests_total Requests.
        # TYPE requests_total counter
        requests_total{route="/a",status="200"} 3
        requests_total{route="/b\\"c",status="404"} 1
        # TYPE latency_seconds histogram
        latency_seconds_bucket{le="0.1"} 1
        latency_seconds_bucket{le="+Inf"} 2
        latency_seconds_sum 0.35
        latency_seconds_count 2

        """

    /// A well-formed exposition parses, with label values unescaped.
    @Test func acceptsValid() throws {
        let parsed = try PrometheusText(parsing: Self.valid)
        #expect(parsed.value("requests_total", ["route": "/b\"c", "status": "404"]) == 1)
        #expect(parsed.value("latency_seconds_count") == 2)
    }

    /// Malformed expositions are rejected.
    @Test(arguments: [
        "requests_total 1\n",                                                       // no TYPE
        "# TYPE a counter\na{route=\"x\"}\n",                                        // no value
        "# TYPE a counter\na{route=x} 1\n",                                          // unquoted label
        "# TYPE a counter\na 1\n# TYPE a counter\n",                                 // TYPE twice / after samples
        "# TYPE a counter\na -1\n",                                                  // negative counter
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",            // no +Inf
        "# HELP x only help\n",                                                      // HELP without TYPE
        "# TYPE 1bad gauge\n",                                                       // bad name
    ])
    func rejectsMalformed(text: String) {
        #expect(throws: TestFailure.self) { _ = try PrometheusText(parsing: text) }
    }
}
