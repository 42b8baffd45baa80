import Dispatch
import Synchronization

/// Runs a request's handler task on the worker thread that waits for it.
///
/// The worker thread would block anyway until the handler answers; letting it run the handler's
/// jobs itself saves two thread hand-offs per request (pool thread to run, worker to wake),
/// which is most of the cost of a small request. Only the handler's own task prefers this
/// executor: actor-isolated code still runs on its actor, and unstructured tasks a handler
/// starts (a query, a stream relay) run on the global pool as before.
///
/// Threading: `enqueue` from any thread; `run` only from the owning worker thread. Once a worker
/// stops waiting (drain deadline), later jobs go to the global executor so nothing is stranded.
final class WorkerExecutor: TaskExecutor, Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var draining = false
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let runHere = state.withLock { state -> Bool in
            guard state.draining else {
                state.jobs.append(job)
                return true
            }
            return false
        }
        if runHere {
            wakeup.signal()
        } else {
            job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor())
        }
    }

    /// Runs queued jobs on the calling thread until `isDone`; every `pollSeconds` without work it
    /// asks `shouldGiveUp`, and if so hands any later jobs to the global executor and returns false.
    @available(*, noasync, message: "runs jobs on the worker thread until done: the worker thread only")
    func run(until isDone: () -> Bool, pollSeconds: Double, shouldGiveUp: () -> Bool) -> Bool {
        state.withLock { $0.draining = false }
        while !isDone() {
            let job = state.withLock { state in state.jobs.isEmpty ? nil : state.jobs.removeFirst() }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
                continue
            }
            if wakeup.wait(timeout: .now() + pollSeconds) == .timedOut, shouldGiveUp() {
                let stranded = state.withLock { state in
                    state.draining = true
                    defer { state.jobs.removeAll() }
                    return state.jobs
                }
                for job in stranded { globalConcurrentExecutor.enqueue(job) }
                return false
            }
        }
        return true
    }
}
