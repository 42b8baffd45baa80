import AgentCore
import Foundation

/// `GET /diagnostics/stream?events=N&interval_ms=M`: N timestamped SSE events M ms apart, so an
/// operator can see with `curl -N` that nothing between the client and us buffers.
struct DiagnosticsRoutes {
    static let eventsRange = 1...10_000
    static let intervalRange = 0...60_000

    func register(on router: inout Router) {
        router.get("/diagnostics/stream") { request in
            let events = try request.integerQuery("events", default: 10, range: DiagnosticsRoutes.eventsRange)
            let interval = try request.integerQuery("interval_ms", default: 1000, range: DiagnosticsRoutes.intervalRange)
            let stream = EventStream()
            Task { await DiagnosticsRoutes.produce(events: events, intervalMilliseconds: interval, into: stream) }
            return .eventStream(stream)
        }
    }

    static func produce(events: Int, intervalMilliseconds: Int, into stream: EventStream) async {
        let started = ContinuousClock.now
        for seq in 1...events {
            if seq > 1, intervalMilliseconds > 0 {
                try? await Task.sleep(for: .milliseconds(intervalMilliseconds))
            }
            let elapsed = ContinuousClock.now - started
            let payload = JSONValue.serializeObject([
                ("type", "diagnostic"), ("seq", .number(Double(seq))), ("of", .number(Double(events))),
                ("timestamp", .string(Timestamp.rfc3339Millis(Date()))),
                ("elapsed_ms", .number(Double(elapsed.inMilliseconds))),
            ])
            // False means the client went away: nobody is left to read the rest.
            guard await stream.send(data: payload, id: seq) else { return }
        }
        stream.finish()
    }
}
