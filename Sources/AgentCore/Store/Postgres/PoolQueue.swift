import Foundation

/// Jobs waiting for a pool thread, guarded by a condition variable the threads sleep on.
final class PoolQueue: @unchecked Sendable {
    // @unchecked: every property is touched only with `condition` locked.
    typealias Job = @Sendable (PoolWorker) -> Void
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopped = false
    private var ended = 0

    func enqueue(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// The next job, or nil once stopped and drained. Blocks (a pool thread waiting for work).
    @available(*, noasync)
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

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    func workerEnded() {
        condition.lock()
        ended += 1
        condition.unlock()
    }

    func allWorkersEnded(count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended >= count
    }
}
