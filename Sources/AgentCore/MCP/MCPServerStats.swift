import CoreMetrics
import Synchronization

/// Counters of one MCP server for `/status` and `/metrics`, bumped on the call path.
///
/// Threading: lock-free counters plus a small locked ring of recent latencies; any thread.
final class MCPServerStats: Sendable {
    let calls = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let restarts = Atomic<Int>(0)
    private let recent = Mutex<(latencies: [Double], next: Int)>(([], 0))
    static let window = 256

    /// One finished call: its outcome is `ok`, `error` (an error result) or `cancelled`.
    func record(server: String, outcome: String, started: ContinuousClock.Instant) {
        let nanoseconds = started.duration(to: .now).inNanoseconds
        calls.add(1, ordering: .relaxed)
        if outcome == "error" { errors.add(1, ordering: .relaxed) }
        recent.withLock { ring in
            let milliseconds = Double(nanoseconds) / 1e6
            if ring.latencies.count < Self.window {
                ring.latencies.append(milliseconds)
            } else {
                ring.latencies[ring.next] = milliseconds
            }
            ring.next = (ring.next + 1) % Self.window
        }
        Timer(label: "agent_mcp_call_duration_seconds", dimensions: [("server", server), ("outcome", outcome)])
            .recordNanoseconds(nanoseconds)
    }

    /// The p-th percentile (0...1) of the last `window` call latencies, in milliseconds.
    func latency(percentile: Double) -> Double? {
        let sorted = recent.withLock { $0.latencies }.sorted()
        guard !sorted.isEmpty else { return nil }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * percentile).rounded()))
        return (sorted[index] * 1000).rounded() / 1000
    }
}
