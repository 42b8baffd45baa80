import Dispatch
import Synchronization

/// Hands one value from a task to a waiting OS thread. The thread blocks on a semaphore, which is
/// fine for a worker thread and never done on the cooperative pool.
final class BlockingSlot<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func fulfil(_ newValue: Value) {
        value.withLock { $0 = newValue }
        ready.signal()
    }

    /// Waits until the value arrives or `shouldGiveUp` says stop (checked every `pollSeconds`).
    func wait(pollSeconds: Double = 0.5, shouldGiveUp: () -> Bool) -> Value? {
        while true {
            if ready.wait(timeout: .now() + pollSeconds) == .success {
                return value.withLock { $0 }
            }
            if shouldGiveUp() { return nil }
        }
    }
}
