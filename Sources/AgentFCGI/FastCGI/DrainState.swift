import Dispatch
import Synchronization

/// Whether the responder is shutting down, and the moment in-flight work must end.
/// Shared by the signal thread (sets it) and every worker (reads it).
final class DrainState: Sendable {
    /// Monotonic deadline in nanoseconds (`DispatchTime.uptimeNanoseconds`); 0 while serving.
    private let deadline = Atomic<UInt64>(0)
    /// Requests accepted before the drain began and not yet finished.
    private let working = Atomic<Int>(0)
    private let accepting = Atomic<Bool>(true)

    var isDraining: Bool { deadline.load(ordering: .sequentiallyConsistent) != 0 }

    func begin(seconds: Double) {
        let nanoseconds = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        deadline.store(max(1, nanoseconds), ordering: .sequentiallyConsistent)
    }

    /// Seconds until the drain deadline; nil while not draining (never negative).
    var secondsLeft: Double? {
        let value = deadline.load(ordering: .acquiring)
        guard value != 0 else { return nil }
        let now = DispatchTime.now().uptimeNanoseconds
        return value > now ? Double(value - now) / 1e9 : 0
    }

    var deadlinePassed: Bool { secondsLeft == 0 }

    /// The listener is about to be shut down: workers stop waiting on half-sent requests and idle
    /// kept connections, so they can leave.
    func stopAccepting() {
        accepting.store(false, ordering: .sequentiallyConsistent)
    }

    var acceptingStopped: Bool { !accepting.load(ordering: .sequentiallyConsistent) }

    /// A worker is about to serve a request: false when draining (answer 503 instead).
    /// Counting before checking makes the race with `begin` safe: either the drain sees this
    /// request as working, or this request sees the drain.
    func enterWork() -> Bool {
        working.add(1, ordering: .sequentiallyConsistent)
        if isDraining {
            working.subtract(1, ordering: .sequentiallyConsistent)
            return false
        }
        return true
    }

    func leaveWork() {
        working.subtract(1, ordering: .sequentiallyConsistent)
    }

    var workingCount: Int { working.load(ordering: .sequentiallyConsistent) }
}
