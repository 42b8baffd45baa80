import Foundation
import Prometheus

/// `GET /metrics` (docs/API.md §3): every series in the Prometheus text format, version 0.0.4.
struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry
    let scrapeTime: ScrapeTimeMetrics

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func register(on router: inout Router) {
        let registry = self.registry
        let scrapeTime = self.scrapeTime
        router.get("/metrics") { _ in
            await scrapeTime.update()
            return HTTPResponse(status: 200, headers: [("Content-Type", MetricsRoutes.contentType)],
                                body: .bytes(Data(registry.emitToBuffer())))
        }
    }
}
