import Foundation
import Synchronization

/// Group commit, for either store. Turn commits that arrive while the store's thread (SQLite) or
/// every pool thread (PostgreSQL) is busy wait here together, and the next free thread writes all
/// of them in one transaction: sixteen sessions committing at once cost one transaction's
/// overhead (and, on PostgreSQL, one WAL flush) instead of sixteen queued one behind the other.
///
/// There is no timer: a commit arriving when a thread is free is written at once, alone. Only
/// what is already queued is grouped, so a lone commit waits for nothing it would not have waited
/// for anyway. Each caller gets its own commit's outcome (the store's `commit(batch:)` decides
/// how one failing commit is kept from the others). The PostgreSQL store queues the session
/// creations and query starts here too: each is a write with its own transaction otherwise.
///
/// Threading: `commit` is called from tasks; `take` and `resolve` run on the store's thread in
/// the flush job that `schedule` queues there; the state is behind a mutex all take briefly.
final class GroupCommitQueue<Item: Sendable>: Sendable {
    struct Waiter: Sendable {
        let item: Item
        let continuation: CheckedContinuation<Int64, any Error>
        /// When the write reached the store: its store-side latency counts from here.
        let enqueued: ContinuousClock.Instant
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        /// A flush job is queued on the store's thread(s) and has not yet taken the waiting commits.
        var flushQueued = false
        /// Tests hold flushing to make a batch of a known composition.
        var held = false
        var statistics = GroupCommitStatistics()
    }

    private let state = Mutex(State())
    /// Queues one flush job on the store's thread(s), which calls `take` and then `resolve`;
    /// false when the store is closed (the job will never run).
    private let schedule: @Sendable (GroupCommitQueue<Item>) -> Bool
    /// Which items are turn commits (`GroupCommitStatistics.commits`); the rest count as writes only.
    private let isTurnCommit: @Sendable (Item) -> Bool

    init(isTurnCommit: @escaping @Sendable (Item) -> Bool = { _ in true },
         schedule: @escaping @Sendable (GroupCommitQueue<Item>) -> Bool) {
        self.isTurnCommit = isTurnCommit
        self.schedule = schedule
    }

    /// Waits until `item` is written, with whatever other commits are waiting, and returns (or
    /// throws) its own outcome: the session's new version. Errors are the store's, unmapped.
    func commit(_ item: Item) async throws -> Int64 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int64, any Error>) in
            let scheduleNow = state.withLock { state in
                state.waiting.append(Waiter(item: item, continuation: continuation, enqueued: .now))
                return Self.claimFlush(&state)
            }
            if scheduleNow { scheduleFlush() }
        }
    }

    /// In the flush job: every commit waiting now (possibly none, when a hold was released twice).
    func take() -> [Waiter] {
        state.withLock { state in
            defer {
                state.waiting = []
                state.flushQueued = false
            }
            if !state.waiting.isEmpty {
                let turnCommits = state.waiting.count { isTurnCommit($0.item) }
                state.statistics.record(batchOf: state.waiting.count, commits: turnCommits)
            }
            return state.waiting
        }
    }

    /// The batch of one flush job that may run its work more than once (PostgreSQL retries a
    /// transaction after a conflict): taken at the first `waiters` call, the same ever after.
    final class Claim: Sendable {
        private let taken = Mutex<[Waiter]?>(nil)
        private let queue: GroupCommitQueue<Item>

        init(_ queue: GroupCommitQueue<Item>) {
            self.queue = queue
        }

        var waiters: [Waiter] {
            let queue = self.queue
            return taken.withLock { (batch: inout [Waiter]?) -> [Waiter] in
                if let batch { return batch }
                let fresh = queue.take()
                batch = fresh
                return fresh
            }
        }
    }

    /// In the flush job: each waiter's outcome (`results` in the order `take` gave them), or one
    /// error for all of them.
    func resolve(_ waiters: [Waiter], _ results: Result<[Result<Int64, any Error>], any Error>) {
        switch results {
        case .success(let outcomes):
            for (index, waiter) in waiters.enumerated() {
                let outcome = index < outcomes.count ? outcomes[index] : .failure(StoreError.closed)
                if case .success = outcome, isTurnCommit(waiter.item) { AgentMetrics.storeWrite(started: waiter.enqueued) }
                waiter.continuation.resume(with: outcome)
            }
        case .failure(let error):
            for waiter in waiters { waiter.continuation.resume(throwing: error) }
        }
    }

    var statistics: GroupCommitStatistics {
        state.withLock { $0.statistics }
    }

    /// Until `release`, commits wait instead of being written (tests: a batch of known content).
    func hold() {
        state.withLock { $0.held = true }
    }

    func release() {
        let scheduleNow = state.withLock { state in
            state.held = false
            return Self.claimFlush(&state)
        }
        if scheduleNow { scheduleFlush() }
    }

    /// Commits waiting now (tests wait for a batch to fill).
    var waitingCount: Int {
        state.withLock { $0.waiting.count }
    }

    private static func claimFlush(_ state: inout State) -> Bool {
        guard !state.waiting.isEmpty, !state.flushQueued, !state.held else { return false }
        state.flushQueued = true
        return true
    }

    private func scheduleFlush() {
        guard !schedule(self) else { return }
        resolve(take(), .failure(StoreError.closed))
    }
}
