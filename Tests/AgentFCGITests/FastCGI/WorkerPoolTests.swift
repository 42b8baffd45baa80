import AgentTestSupport
import Foundation
import Synchronization
import Testing
@testable import AgentFCGI

/// How many workers `WorkerPool` starts: `spare` plus a quarter of the connections held ahead of
/// them, never more than `maximum`, however many workers take connections at once.
@Suite struct WorkerPoolTests {
    /// Counts the starts instead of starting threads.
    final class Starts: Sendable {
        let indices = Mutex<[Int]>([])
        var count: Int { indices.withLock { $0.count } }

        func settle(at expected: Int) -> Bool {
            TestEnvironment.waitUntil(timeout: 10) { count == expected } && { usleep(50_000); return count == expected }()
        }
    }

    @Test func startsSpareWorkersAheadOfTheConnectionsHeld() {
        let starts = Starts()
        let pool = WorkerPool(maximum: 10, spare: 3, stats: ResponderStats())
        pool.start { index in starts.indices.withLock { $0.append(index) } }
        #expect(starts.settle(at: 3), "the spares start at once: \(starts.count)")
        pool.connectionTaken()
        #expect(starts.settle(at: 4), "one taken, one more started: \(starts.count)")
        for _ in 0..<3 { pool.connectionTaken() }
        #expect(starts.settle(at: 8), "four held: three free, and one more for a quarter of those held: \(starts.count)")
        for _ in 0..<3 { pool.connectionReleased() }
        pool.connectionReleased()
        pool.connectionTaken()
        #expect(starts.settle(at: 8), "a connection released and taken again needs no new worker: \(starts.count)")
        for _ in 0..<20 { pool.connectionTaken() }
        #expect(starts.settle(at: 10), "never beyond the maximum: \(starts.count)")
        #expect(starts.indices.withLock { $0 } == Array(0..<10), "each index started once, in order")
        #expect(pool.startedCount == 10)
    }

    @Test func zeroSpareStartsEveryWorkerAtOnce() {
        let starts = Starts()
        WorkerPool(maximum: 25, spare: 0, stats: ResponderStats()).start { index in starts.indices.withLock { $0.append(index) } }
        #expect(starts.settle(at: 25))
    }

    /// Sixty-four threads take and release connections at once: the starts claimed never exceed
    /// what is wanted, and once they all hold one, every one of them plus the headroom (4 + 64 / 4)
    /// was started.
    @Test func racingWorkersStartNoMoreThanTheMaximum() {
        let starts = Starts()
        let pool = WorkerPool(maximum: 100, spare: 4, stats: ResponderStats())
        pool.start { index in starts.indices.withLock { $0.append(index) } }
        let ready = DispatchGroup()
        for _ in 0..<64 {
            ready.enter()
            Thread {
                for _ in 0..<100 {
                    pool.connectionTaken()
                    pool.connectionReleased()
                }
                pool.connectionTaken()
                ready.leave()
            }.start()
        }
        ready.wait()
        #expect(starts.settle(at: 84), "64 held, 4 spare and 16 for the burst: \(starts.count)")
        #expect(Set(starts.indices.withLock { $0 }).count == starts.count, "no index started twice")
    }
}
