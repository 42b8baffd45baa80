import Foundation
import Synchronization

/// Counters of the responder, read by `/status`. Lock-free: workers bump them on every request.
public final class ResponderStats: Sendable {
    public let startedAt = Date()
    private let started = ContinuousClock.now

    /// `server.workers`: the most that may run.
    public let totalWorkers = Atomic<Int>(0)
    /// Worker threads started so far: `WorkerPool` claims each start here before making the thread.
    public let startedWorkers = Atomic<Int>(0)
    public let busyWorkers = Atomic<Int>(0)
    /// How many times a request took the last idle worker (the next one would queue).
    public let timesAllBusy = Atomic<Int>(0)
    public let requestsServed = Atomic<Int>(0)
    public let inFlight = Atomic<Int>(0)
    public let activeStreams = Atomic<Int>(0)
    public let clientAborts = Atomic<Int>(0)
    public let writeTimeouts = Atomic<Int>(0)
    /// Non-streaming requests slower than `--slow-request-seconds`.
    public let slowRequests = Atomic<Int>(0)
    /// Connections dropped because the peer sent nothing for `server.read_timeout_seconds` in the
    /// middle of a request (its head or body).
    public let readTimeouts = Atomic<Int>(0)
    /// Connections closed without an answer because their FastCGI input was malformed (or over
    /// `server.max_params_bytes`), or came from a TCP peer outside `FCGI_WEB_SERVER_ADDRS`.
    public let rejectedConnections = Atomic<Int>(0)

    public init() {}

    public var uptimeSeconds: Double {
        (ContinuousClock.now - started).inSeconds
    }

    /// A worker picked up a request.
    func workerBecameBusy() {
        let busy = busyWorkers.add(1, ordering: .relaxed).newValue
        if busy >= totalWorkers.load(ordering: .relaxed) {
            timesAllBusy.add(1, ordering: .relaxed)
        }
    }

    func workerBecameIdle() {
        busyWorkers.subtract(1, ordering: .relaxed)
    }
}
