import AgentCore
import AgentTestSupport
import CoreMetrics
import Foundation
import Prometheus
import Testing
@testable import AgentFCGI

/// Metrics: catalog, factory, request and scrape-time series.
@Suite struct MetricsTests {
    static var packageRoot: URL {
        TestEnvironment.packageRoot
    }

    /// Every catalog name is a valid, unique Prometheus name; histogram buckets ascend.
    @Test func catalogIsWellFormed() {
        #expect(MetricCatalog.byName.count == MetricCatalog.all.count)
        for entry in MetricCatalog.all {
            #expect(entry.name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil, "\(entry.name)")
            #expect(!entry.help.isEmpty && !entry.help.contains("\n"), "\(entry.name)")
            if let buckets = entry.buckets {
                #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "\(entry.name) buckets")
            }
            if entry.name.hasSuffix("_total") { #expect(entry.buckets == nil, "\(entry.name) is a counter") }
        }
    }

    /// Docs/DEPLOYMENT.md names every metric /metrics can export.
    @Test func guideNamesEveryMetric() throws {
        let guide = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/DEPLOYMENT.md"), encoding: .utf8)
        for entry in MetricCatalog.all {
            #expect(guide.contains("`\(entry.name)`"), "docs/DEPLOYMENT.md does not list \(entry.name)")
        }
    }

    /// Request metrics land under the route template with HELP and TYPE lines and bounded methods.
    @Test func requestMetrics() {
        let registry = PrometheusCollectorRegistry()
        let metrics = RequestMetrics(factory: DocumentedMetricsFactory(registry: registry))
        metrics.record(method: "GET", route: "/sessions/{id}", status: 200, nanoseconds: 2_000_000, streamEvents: 0)
        metrics.record(method: "GET", route: "/sessions/{id}", status: 200, nanoseconds: 3_000_000, streamEvents: 0)
        metrics.record(method: "BREW", route: Router.unmatchedRoute, status: 404, nanoseconds: 1000, streamEvents: 0)
        metrics.record(method: "POST", route: "/agent/query-stream", status: 200, nanoseconds: 9_000_000_000, streamEvents: 7)
        let text = registry.emitToString()
        #expect(text.contains(#"agent_fcgi_http_requests_total{method="GET",route="/sessions/{id}",status="200"} 2"#), "\(text)")
        #expect(text.contains(#"agent_fcgi_http_requests_total{method="other",route="unmatched",status="404"} 1"#))
        #expect(text.contains(#"agent_fcgi_stream_events_total{route="/agent/query-stream"} 7"#))
        #expect(text.contains(#"agent_fcgi_http_request_duration_seconds_bucket{method="POST",route="/agent/query-stream",status="200",le="10.0"} 1"#))
        #expect(text.contains(#"agent_fcgi_http_request_duration_seconds_bucket{method="POST",route="/agent/query-stream",status="200",le="5.0"} 0"#))
        for family in ["agent_fcgi_http_requests_total", "agent_fcgi_http_request_duration_seconds", "agent_fcgi_stream_events_total"] {
            #expect(text.contains("# HELP \(family) \(MetricCatalog.help(family))\n"), "\(family)")
        }
        #expect(text.contains("# TYPE agent_fcgi_http_request_duration_seconds histogram\n"))
    }

    /// Scrape-time gauges follow the responder's counters and mirrored counters advance by the difference.
    @Test func scrapeTimeSeries() async throws {
        let registry = PrometheusCollectorRegistry()
        let stats = ResponderStats()
        stats.totalWorkers.store(8, ordering: .relaxed)
        stats.busyWorkers.store(3, ordering: .relaxed)
        stats.clientAborts.store(2, ordering: .relaxed)
        // The product always has a store; an empty one on a temporary file stores no sessions.
        let directory = NSTemporaryDirectory() + "agent-fcgi-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteSessionStore(settings: .init(path: directory + "/store.sqlite"))
        let scrape = ScrapeTimeMetrics(stats: stats, sessions: SessionManager(settings: SessionSettings(), store: store),
                                       factory: DocumentedMetricsFactory(registry: registry))
        await scrape.update()
        var text = registry.emitToString()
        #expect(text.contains("agent_fcgi_workers_busy 3.0\n") && text.contains("agent_fcgi_workers_idle 5.0\n"), "\(text)")
        #expect(text.contains("agent_fcgi_client_aborts_total 2\n"))
        #expect(text.contains("agent_sessions_in_memory 0.0\n") && text.contains("agent_sessions_stored 0.0\n"))
        stats.clientAborts.add(3, ordering: .relaxed)
        stats.busyWorkers.store(1, ordering: .relaxed)
        await scrape.update()
        await scrape.update()
        text = registry.emitToString()
        #expect(text.contains("agent_fcgi_client_aborts_total 5\n"), "\(text)")
        #expect(text.contains("agent_fcgi_workers_busy 1.0\n"))
        await store.close()
    }

    /// Swift-metrics timers from AgentCore get the catalog's buckets, not swift-prometheus's defaults.
    @Test func catalogBucketsApply() {
        let registry = PrometheusCollectorRegistry()
        let factory = DocumentedMetricsFactory(registry: registry)
        Timer(label: "agent_llm_call_duration_seconds", dimensions: [("model", "m"), ("outcome", "ok")], factory: factory)
            .recordSeconds(90)
        let text = registry.emitToString()
        #expect(text.contains(#"agent_llm_call_duration_seconds_bucket{model="m",outcome="ok",le="120.0"} 1"#), "\(text)")
        #expect(text.contains(#"agent_llm_call_duration_seconds_bucket{model="m",outcome="ok",le="60.0"} 0"#))
    }
}
