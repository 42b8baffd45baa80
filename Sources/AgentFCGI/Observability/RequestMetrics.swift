import CoreMetrics
import Synchronization

/// Per-request series, recorded by the worker thread after each response: a counter and a
/// latency histogram by method, route template and status, and the stream events written.
///
/// Threading: any thread; the metric handles are thread-safe. The factory is passed in (the
/// bootstrapped one in the server) so tests can record into a registry of their own.
final class RequestMetrics: Sendable {
    let factory: any MetricsFactory
    /// Handles by series: creating one goes through the factory's registry lock and builds label
    /// strings, which cost more than the rest of a small request; the set of series is bounded.
    private let handles = Mutex<[String: (requests: Counter, duration: Timer)]>([:])
    private let streamEvents = Mutex<[String: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Methods outside this set share one label value, so a client cannot mint series.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    static func methodLabel(_ method: String) -> String {
        knownMethods.contains(method) ? method : "other"
    }

    func record(method: String, route: String, status: Int, nanoseconds: UInt64, streamEvents events: Int) {
        let methodLabel = Self.methodLabel(method)
        let key = "\(methodLabel) \(status) \(route)"
        let series = handles.withLock { handles in
            if let known = handles[key] { return known }
            let dimensions = [("method", methodLabel), ("route", route), ("status", String(status))]
            let created = (Counter(label: "agent_fcgi_http_requests_total", dimensions: dimensions, factory: factory),
                           Timer(label: "agent_fcgi_http_request_duration_seconds", dimensions: dimensions, factory: factory))
            handles[key] = created
            return created
        }
        series.requests.increment()
        series.duration.recordNanoseconds(Int64(clamping: nanoseconds))
        if events > 0 {
            let counter = streamEvents.withLock { counters in
                if let known = counters[route] { return known }
                let created = Counter(label: "agent_fcgi_stream_events_total", dimensions: [("route", route)], factory: factory)
                counters[route] = created
                return created
            }
            counter.increment(by: events)
        }
    }
}
