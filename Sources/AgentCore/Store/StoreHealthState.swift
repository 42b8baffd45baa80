import Dispatch
import Synchronization

/// The store's health as every `/health` request reads it, and the throttle on health probes.
///
/// The healthy path takes no lock: with hundreds of worker threads answering `/health`, a mutex
/// here was the busiest thing in the process (PI futex contention cost more than the request).
/// Only a degraded store, whose reason is a string, is read under the lock.
final class StoreHealthState: Sendable {
    private let failure = Mutex<String?>(nil)
    /// Mirrors `failure != nil`; written under the lock, read without it.
    private let degraded = Atomic<Bool>(false)
    /// Uptime in nanoseconds before which no new probe starts; 0 until the first one.
    private let nextProbeAt = Atomic<UInt64>(0)

    var current: StoreHealth {
        guard degraded.load(ordering: .acquiring) else { return .healthy }
        return failure.withLock { reason in reason.map { .degraded(reason: $0) } ?? .healthy }
    }

    /// True for exactly one caller per `interval`: the one that should run the probe.
    func claimProbe(interval: Duration) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let due = nextProbeAt.load(ordering: .relaxed)
        guard now >= due else { return false }
        let next = now + UInt64(max(0, interval.inNanoseconds))
        return nextProbeAt.compareExchange(expected: due, desired: next, ordering: .relaxed).exchanged
    }

    func recordSuccess() {
        guard degraded.load(ordering: .acquiring) else { return }
        failure.withLock { reason in
            reason = nil
            degraded.store(false, ordering: .releasing)
        }
    }

    func recordFailure(_ reason: String) {
        failure.withLock { current in
            current = reason
            degraded.store(true, ordering: .releasing)
        }
    }
}
