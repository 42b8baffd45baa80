import Dispatch
import Synchronization

/// Whether the responder is shutting down, and the moment in-flight work must end.
/// Shared by the signal thread (sets it) and every worker (reads it).
final class DrainState: Sendable {
    /// Monotonic deadline in nanoseconds (`DispatchTime.uptimeNanoseconds`); 0 while serving.
    private let deadline = Atomic<UInt64>(0)

    var isDraining: Bool { deadline.load(ordering: .acquiring) != 0 }

    func begin(seconds: Double) {
        let nanoseconds = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        deadline.store(max(1, nanoseconds), ordering: .releasing)
    }

    /// Seconds until the drain deadline; nil while not draining (never negative).
    var secondsLeft: Double? {
        let value = deadline.load(ordering: .acquiring)
        guard value != 0 else { return nil }
        let now = DispatchTime.now().uptimeNanoseconds
        return value > now ? Double(value - now) / 1e9 : 0
    }

    var deadlinePassed: Bool { secondsLeft == 0 }
}
