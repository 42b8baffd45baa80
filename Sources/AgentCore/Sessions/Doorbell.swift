import Foundation
import Synchronization

/// A wake-up that is not lost when it rings before anyone waits: `ring` sets it, `wait` returns
/// at once if it is set (and unsets it), else suspends until a ring or the timeout.
///
/// Threading: `ring` from any thread (the bus's listener thread); `wait` from one task at a time.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
        /// The wait whose timeout fired before it had suspended.
        var expired = 0
    }

    private let state = Mutex(State())

    func ring() {
        wakeWaiter { $0.rung = true }
    }

    /// Resumes the suspended wait, if there is one; otherwise `remember` notes, under the lock,
    /// what the next wait must find. Nothing at all unless `applies` holds, checked under the
    /// same lock (a stale timer must not end a later wait).
    private func wakeWaiter(when applies: (State) -> Bool = { _ in true }, orElse remember: (inout State) -> Void) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard applies(state) else { return nil }
            guard let waiter = state.waiter else {
                remember(&state)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after a ring (possibly one before the call) or after `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        let generation = state.withLock { state -> Int in
            state.generation += 1
            return state.generation
        }
        let timer = Task { [weak self] in
            try? await CancellableSleep.sleep(for: timeout)
            self?.expire(generation)
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.rung || state.expired == generation {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The timeout of wait number `generation`: resumes it if it still waits.
    private func expire(_ generation: Int) {
        wakeWaiter(when: { $0.generation == generation }) { $0.expired = generation }
    }
}
