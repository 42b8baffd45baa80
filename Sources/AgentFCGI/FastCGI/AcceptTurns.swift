import Glibc
import Synchronization

/// Which idle workers wait for the next connection: at most `acceptors` of them sit in
/// accept(2) at a time; the other idle ones sleep on their own semaphore, the most recently idle
/// on top. A worker coming back from a request joins accept() while there is room; when the
/// last worker in accept() takes a connection, it wakes the top sleeper so that someone always
/// waits for the next one. Under steady load the acceptors' own requests keep the room full,
/// so no semaphore is touched and the cost per request is the kernel's one wake-up, as before.
///
/// Why not every idle worker in accept(): the kernel hands a connection to the worker that has
/// waited longest (a FIFO wait queue), so with thousands of workers every request landed on a
/// cold thread — its stack, its malloc cache, its cache lines — and over a day every worker's
/// stack became resident. This keeps the load on the few threads it needs (the acceptors and
/// whoever serves a request) and leaves the rest asleep (bench/notes.md, /health).
///
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
        var inAccept = 0
        /// Most recently idle last.
        var sleeping: [Sleeper] = []
        /// The listener is shut (drain) or broken: everyone goes to accept() and learns it there.
        var stopped = false
    }

    private let state = Mutex(State())
    /// How many workers may wait in accept() at once.
    let acceptors: Int

    /// `acceptors`: `server.acceptors`.
    init(acceptors: Int) {
        self.acceptors = max(1, acceptors)
    }

    /// Sleepers right now (for tests and `/status`-style counts).
    var sleeping: Int { state.withLock { $0.sleeping.count } }

    /// Waits until this worker may wait in accept(), runs `accept` (the blocking accept(2)), and
    /// wakes the most recently idle sleeper when nobody is left waiting in accept().
    @available(*, noasync, message: "blocks: worker threads only")
    func accept(as sleeper: Sleeper, _ accept: () -> PeerSocket.AcceptResult) -> PeerSocket.AcceptResult {
        while state.withLock({ state in
            guard state.inAccept >= acceptors, !state.stopped else {
                state.inAccept += 1
                return false
            }
            state.sleeping.append(sleeper)
            return true
        }) {
            sleeper.sleep()
        }
        let result = accept()
        let next: [Sleeper] = state.withLock { state in
            state.inAccept -= 1
            if case .stopped = result {
                state.stopped = true
                defer { state.sleeping.removeAll() }
                return state.sleeping
            }
            guard state.inAccept == 0 else { return [] }
            return state.sleeping.popLast().map { [$0] } ?? []
        }
        for sleeper in next { sleeper.wake() }
        return result
    }
}
