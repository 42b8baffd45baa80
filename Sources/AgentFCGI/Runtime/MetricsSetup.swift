import CoreMetrics
import Prometheus

/// The process's metrics: one Prometheus registry behind swift-metrics, so AgentCore's counters
/// and timers and the responder's own land in the same `/metrics` page. Bootstrapped once, at
/// start-up, before anything records (swift-metrics allows a single bootstrap per process).
final class MetricsSetup: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: DocumentedMetricsFactory

    init() {
        factory = DocumentedMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
    }
}
