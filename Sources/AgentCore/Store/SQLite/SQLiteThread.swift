import Foundation

/// The one OS thread that runs every SQLite call, serially.
///
/// SQLite calls block (on disk I/O, on `busy_timeout`), and the cooperative pool has one
/// thread per core, so no SQLite call may run there. Callers `await` `perform`; the work
/// runs on this thread against `State` — the connection and its statements — which is
/// created on the thread by `makeState`, never leaves it, and so needs no locking.
final class SQLiteThread<State>: Sendable {
    private let queue = BlockingJobQueue<State>()

    /// Starts the thread and waits until `makeState` has run on it. If `makeState` throws,
    /// the thread ends and the error is rethrown here.
    init(name: String, makeState: @escaping @Sendable () throws -> State) async throws {
        let queue = self.queue
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                // Set from the thread itself, so Foundation names the OS thread too (for
                // `top -H` and debuggers); Linux keeps 15 bytes of it.
                Thread.current.name = name
                let state: State
                do {
                    state = try makeState()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume()
                // Jobs in order until stopped and drained, then the job `stop` left.
                while let job = queue.next() { job(state) }
                queue.takeFinalJob()?(state)
            }
            thread.start()
        }
    }

    deinit {
        queue.stop(then: nil)
    }

    /// Runs `work` on the SQLite thread and returns its result. The work runs to the end even
    /// if the caller is cancelled: a half-abandoned commit is worse than a late one.
    func perform<T: Sendable>(_ work: @escaping @Sendable (State) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = queue.enqueue { state in
                continuation.resume(with: Result { try work(state) })
            }
            if !accepted { continuation.resume(throwing: StoreError.closed) }
        }
    }

    /// Queues `job` for the SQLite thread without waiting for it; false when the thread has
    /// stopped (then `job` never runs). For callers that resume their own waiters, as the group
    /// commit does (`GroupCommitQueue`).
    func submit(_ job: @escaping @Sendable (State) -> Void) -> Bool {
        queue.enqueue(job)
    }

    /// Runs `finish` on the thread after every job already queued, then ends the thread.
    /// Later `perform` calls fail with `StoreError.closed`.
    func stop(finish: @escaping @Sendable (State) -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = queue.stop { state in
                finish(state)
                continuation.resume()
            }
            if !accepted { continuation.resume() }
        }
    }
}
