import CoreMetrics

/// Per-request series, recorded by the worker thread after each response: a counter and a
/// latency histogram by method, route template and status, and the stream events written.
///
/// Threading: one instance per worker thread, used only there. Each keeps its own handles by
/// series: creating one goes through the factory's registry lock and builds label strings,
/// which cost more than the rest of a small request, and a cache shared by every worker would
/// put all of them behind one lock again. Handles for the same series are the same metric in
/// the registry. The factory is passed in so tests can record into a registry of their own.
final class RequestMetrics {
    let factory: any MetricsFactory
    /// What a series is keyed by: no string is built per request (route templates are shared
    /// constants, the method label one of `knownMethods`), so a request to a known series
    /// allocates nothing here.
    private struct SeriesKey: Hashable {
        var method: String
        var status: Int
        var route: String
    }

    private var handles: [SeriesKey: (requests: Counter, duration: Timer)] = [:]
    private var streamEvents: [String: Counter] = [:]

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
        let key = SeriesKey(method: methodLabel, status: status, route: route)
        let series = handles[key] ?? {
            let dimensions = [("method", methodLabel), ("route", route), ("status", String(status))]
            let created = (requests: Counter(label: "agent_fcgi_http_requests_total", dimensions: dimensions, factory: factory),
                           duration: Timer(label: "agent_fcgi_http_request_duration_seconds", dimensions: dimensions, factory: factory))
            handles[key] = created
            return created
        }()
        series.requests.increment()
        series.duration.recordNanoseconds(Int64(clamping: nanoseconds))
        if events > 0 {
            let counter = streamEvents[route] ?? {
                let created = Counter(label: "agent_fcgi_stream_events_total", dimensions: [("route", route)], factory: factory)
                streamEvents[route] = created
                return created
            }()
            counter.increment(by: events)
        }
    }
}
