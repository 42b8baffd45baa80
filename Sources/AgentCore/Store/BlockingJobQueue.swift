import Foundation

/// Jobs waiting for the store's own OS threads — the one SQLite thread (`SQLiteThread`) or the
/// PostgreSQL pool's threads (`PoolWorker`) — guarded by a condition variable they sleep on.
///
/// Threading: `enqueue`, `stop` and the counters are called from anywhere (they only take the
/// lock briefly); `next` blocks and is for the consuming threads only.
final class BlockingJobQueue<State>: @unchecked Sendable {
    // @unchecked: every property is touched only with `condition` locked.
    typealias Job = @Sendable (State) -> Void
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopped = false
    private var finalJob: Job?
    private var ended = 0

    /// False when the queue has stopped (then `job` never runs).
    func enqueue(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// The next job in order, or nil once stopped and drained. Blocks while there is none.
    @available(*, noasync, message: "a store thread's wait for work; it blocks on a condition variable")
    func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !stopped { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 64 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Refuses new jobs; the ones queued still run, then `next` returns nil. `finalJob` is handed
    /// once, through `takeFinalJob`, to the consumer that finds the queue drained. Returns false
    /// when already stopped (then `finalJob` never runs).
    @discardableResult
    func stop(then finalJob: Job? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        stopped = true
        self.finalJob = finalJob
        condition.broadcast()
        return true
    }

    /// The job `stop` was given, once; nil for every later call.
    func takeFinalJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        let job = finalJob
        finalJob = nil
        return job
    }

    /// A consuming thread has left its loop.
    func consumerEnded() {
        condition.lock()
        ended += 1
        condition.unlock()
    }

    func allConsumersEnded(count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended >= count
    }
}
