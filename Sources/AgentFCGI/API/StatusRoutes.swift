import AgentCore
import Foundation

/// `GET /status` (docs/API.md §3): the responder's counters, then whatever the provider adds.
struct StatusRoutes {
    let stats: ResponderStats
    let provider: any ServiceStatusProvider

    func register(on router: inout Router) {
        let stats = self.stats
        let provider = self.provider
        router.get("/status") { _ in
            .json(fields: StatusRoutes.fields(stats) + (await provider.statusFields()))
        }
    }

    static func fields(_ stats: ResponderStats) -> [(String, JSONValue)] {
        func count(_ value: Int) -> JSONValue { .number(Double(value)) }
        let total = stats.totalWorkers.load(ordering: .relaxed)
        let busy = stats.busyWorkers.load(ordering: .relaxed)
        return [
            ("version", .string(AgentCoreInfo.version)),
            ("started_at", .string(Timestamp.rfc3339Millis(stats.startedAt))),
            ("uptime_seconds", .number((stats.uptimeSeconds * 1000).rounded() / 1000)),
            ("workers", .object(["total": count(total), "busy": count(busy), "idle": count(max(0, total - busy)),
                                 "started": count(stats.startedWorkers.load(ordering: .relaxed))])),
            ("times_all_busy", count(stats.timesAllBusy.load(ordering: .relaxed))),
            ("requests_served", count(stats.requestsServed.load(ordering: .relaxed))),
            ("in_flight", count(stats.inFlight.load(ordering: .relaxed))),
            ("active_streams", count(stats.activeStreams.load(ordering: .relaxed))),
            ("client_aborts", count(stats.clientAborts.load(ordering: .relaxed))),
            ("write_timeouts", count(stats.writeTimeouts.load(ordering: .relaxed))),
            ("slow_requests", count(stats.slowRequests.load(ordering: .relaxed))),
            ("read_timeouts", count(stats.readTimeouts.load(ordering: .relaxed))),
            ("rejected_connections", count(stats.rejectedConnections.load(ordering: .relaxed))),
        ]
    }
}
