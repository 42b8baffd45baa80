import Dispatch
import Synchronization

/// Runs async work from a plain OS thread (main, the signal thread) and waits for it there.
/// `noasync`: the compiler refuses it in a task, where it would block a cooperative-pool
/// thread (and deadlock once both are blocked waiting for tasks that cannot run).
@available(*, noasync, message: "blocks its thread on a semaphore; only the main and signal threads may call it")
func blockingAwait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await work())
        } catch {
            outcome = .failure(error)
        }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}
