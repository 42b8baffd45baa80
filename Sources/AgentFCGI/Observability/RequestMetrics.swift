import CoreMetrics

/// Per-request series, recorded by the worker thread after each response: a counter and a
/// latency histogram by method, route template and status, and the stream events written.
///
/// Threading: any thread; the metric handles are thread-safe. The factory is passed in (the
/// bootstrapped one in the server) so tests can record into a registry of their own.
struct RequestMetrics: Sendable {
    let factory: any MetricsFactory

    /// Methods outside this set share one label value, so a client cannot mint series.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    static func methodLabel(_ method: String) -> String {
        knownMethods.contains(method) ? method : "other"
    }

    func record(method: String, route: String, status: Int, nanoseconds: UInt64, streamEvents: Int) {
        let dimensions = [("method", Self.methodLabel(method)), ("route", route), ("status", String(status))]
        Counter(label: "agent_fcgi_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "agent_fcgi_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            .recordNanoseconds(Int64(clamping: nanoseconds))
        if streamEvents > 0 {
            Counter(label: "agent_fcgi_stream_events_total", dimensions: [("route", route)], factory: factory)
                .increment(by: streamEvents)
        }
    }
}
