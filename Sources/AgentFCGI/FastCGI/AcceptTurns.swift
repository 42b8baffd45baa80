import Glibc
import Synchronization

/// Which idle worker takes the next connection: leader/followers over the listening socket.
/// One worker at a time (the leader) waits in accept(); the other idle ones sleep on their own
/// semaphore, the most recently idle on top. The leader, once it holds a connection, wakes the
/// top sleeper to lead next and serves its connection itself, so no request waits for a
/// hand-off; a worker coming back while nobody leads takes the lead without sleeping at all.
///
/// Why not every worker in accept(): the kernel hands a connection to the worker that has
/// waited longest (a FIFO wait queue), so with thousands of workers every request landed on a
/// cold thread — its stack, its malloc cache, its cache lines — and over a day every worker's
/// stack became resident. Last in, first out keeps the few threads the load needs warm and
/// leaves the rest asleep (bench/notes.md, /health).
///
/// Threading: shared by the worker threads; `accept` blocks, so workers only (never a task).
final class AcceptTurns: Sendable {
    /// One worker's place to sleep while another leads. Owned by its worker.
    final class Sleeper: @unchecked Sendable {
        // sem_t must not move: it lives outside Swift's memory. sem_wait/sem_post are thread-safe.
        private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

        init() { sem_init(semaphore, 0, 0) }

        deinit {
            sem_destroy(semaphore)
            semaphore.deallocate()
        }

        fileprivate func sleep() {
            while sem_wait(semaphore) != 0, errno == EINTR {}
        }

        fileprivate func wake() { sem_post(semaphore) }
    }

    private struct State {
        var leaderWaiting = false
        /// Most recently idle last.
        var sleeping: [Sleeper] = []
        /// The listener is shut (drain) or broken: everyone goes to accept() and learns it there.
        var stopped = false
    }

    private let state = Mutex(State())

    /// Sleepers right now (for tests and `/status`-style counts).
    var sleeping: Int { state.withLock { $0.sleeping.count } }

    /// Waits for this worker's turn to lead, then runs `accept` (the blocking accept(2)) and
    /// hands the lead to the most recently idle sleeper.
    @available(*, noasync, message: "blocks: worker threads only")
    func accept(as sleeper: Sleeper, _ accept: () -> PeerSocket.AcceptResult) -> PeerSocket.AcceptResult {
        while state.withLock({ state in
            guard state.leaderWaiting, !state.stopped else {
                state.leaderWaiting = true
                return false
            }
            state.sleeping.append(sleeper)
            return true
        }) {
            sleeper.sleep()
        }
        let result = accept()
        let next: [Sleeper] = state.withLock { state in
            state.leaderWaiting = false
            if case .stopped = result {
                state.stopped = true
                defer { state.sleeping.removeAll() }
                return state.sleeping
            }
            return state.sleeping.popLast().map { [$0] } ?? []
        }
        for sleeper in next { sleeper.wake() }
        return result
    }
}
