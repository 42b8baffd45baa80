import CLinux
import Dispatch
import Foundation
import Synchronization

/// How many worker threads run: started as connections need them, up to `server.workers`, so
/// that `server.spare_workers` of them (plus a quarter of the connections held, for bursts) are
/// always free for the next connections (PHP-FPM's `pm = dynamic`, without stopping idle ones
/// again). A worker thread costs its stack and malloc cache once it has run; with thousands
/// configured for peak streams, starting them all at once held ~10 KiB each for nothing, and the
/// kernel, which hands a connection to the worker that has waited longest, spread short requests
/// over all of those cold threads.
///
/// The threads are started by one spawner thread (`fcgi-spawner`), which a worker rings when it
/// takes a connection and too few are left free. The worker does not wait for the start, and a
/// thread started by a worker thread was measured to keep far more stack resident: started one
/// from the other, 4,000 of them held 16–256 KiB each (growing with each generation), against
/// ~12 KiB started by the spawner.
///
/// Threading: `connectionTaken` and `connectionReleased` are called by worker threads around
/// each connection they hold; the counts are atomics, and each start is claimed by a
/// compare-and-exchange, so no more than `maximum` ever start.
final class WorkerPool: Sendable {
    /// `server.workers`: the most threads, so the most connections served at once.
    let maximum: Int
    /// Workers kept free (waiting for a connection) beyond the burst headroom; 0 starts all of
    /// `maximum` at once.
    let spare: Int
    /// Rung by a worker that took a connection when too few are left free; the spawner thread
    /// starts the next ones, so the worker goes on with its request at once.
    private let wanted = DispatchSemaphore(value: 0)
    /// Workers holding a connection, from accept to close (a kept-alive connection between
    /// requests included: its worker cannot take another).
    private let holding = Atomic<Int>(0)
    /// Set by `start`: the workers it starts hold this pool, so it cannot be given at `init`.
    private let startWorker = Mutex<(@Sendable (_ index: Int) -> Void)?>(nil)

    /// Where the starts are counted (`/status`, `/metrics`): each is claimed there first.
    private let stats: ResponderStats

    init(maximum: Int, spare: Int, stats: ResponderStats) {
        self.maximum = maximum
        self.spare = spare > 0 ? spare : maximum
        self.stats = stats
    }

    /// Workers started so far (never more than `maximum`; they are not stopped while serving).
    var startedCount: Int { stats.startedWorkers.load(ordering: .acquiring) }

    /// Starts the first `spare` workers with `startWorker`, and later ones as connections need them.
    func start(_ startWorker: @escaping @Sendable (_ index: Int) -> Void) {
        self.startWorker.withLock { $0 = startWorker }
        topUp()
        let wanted = self.wanted
        let spawner = Thread { [self] in
            _ = agent_name_this_thread("fcgi-spawner")
            while true {
                wanted.wait()
                topUp()
            }
        }
        spawner.start()
    }

    /// A worker accepted a connection: start more if fewer than wanted are left free.
    func connectionTaken() {
        let held = holding.add(1, ordering: .acquiringAndReleasing).newValue
        let count = startedCount
        if count < maximum, count - held < wantedFree(holding: held) { wanted.signal() }
    }

    func connectionReleased() {
        holding.subtract(1, ordering: .acquiringAndReleasing)
    }

    /// `spare`, plus a quarter of the connections held: a burst of new connections (thousands
    /// of streams opening within a second) outruns a fixed few spares, and what waits beyond
    /// the listen backlog is refused (nginx: 502, connect EAGAIN). Measured: 10,000 streams
    /// opened over 2 s on a fresh responder lost 2,146 with 8 spares alone.
    private func wantedFree(holding: Int) -> Int {
        spare + holding / 4
    }

    private func topUp() {
        while true {
            let holding = self.holding.load(ordering: .acquiring)
            let count = startedCount
            guard count < maximum, count - holding < wantedFree(holding: holding) else { return }
            if stats.startedWorkers.compareExchange(expected: count, desired: count + 1, ordering: .acquiringAndReleasing).exchanged {
                startWorker.withLock { $0 }?(count)
            }
        }
    }
}
