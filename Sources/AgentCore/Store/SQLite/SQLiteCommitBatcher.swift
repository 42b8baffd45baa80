import Foundation
import Synchronization

/// Group commit for the SQLite store. Turn commits that arrive while the SQLite thread is busy
/// wait together, and the thread writes all of them in one transaction
/// (`SnapshotDatabase.commit(batch:)`): sixteen sessions committing at once cost one
/// transaction's overhead, not sixteen queued one behind the other.
///
/// There is no timer: a commit arriving at an idle thread is written at once, alone. Only what is
/// already queued is grouped, so a lone commit waits for nothing it would not have waited for anyway.
///
/// Threading: `commit` is called from tasks; `flush` runs on the SQLite thread; the queue of
/// waiting commits is behind a mutex both take briefly.
final class SQLiteCommitBatcher: Sendable {
    private struct Waiter: Sendable {
        var item: SnapshotDatabase.QueuedCommit
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        /// A flush job is on the SQLite thread's queue and has not yet taken the waiting commits.
        var flushQueued = false
        /// Tests hold flushing to make a batch of a known composition.
        var held = false
        var statistics = GroupCommitStatistics()
    }

    private let state = Mutex(State())
    private let thread: SQLiteThread<SnapshotDatabase>

    init(thread: SQLiteThread<SnapshotDatabase>) {
        self.thread = thread
    }

    /// Writes `item` with whatever other commits are waiting, and returns (or throws) its own
    /// outcome. Errors are the database's, unmapped.
    func commit(_ item: SnapshotDatabase.QueuedCommit) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let schedule = state.withLock { state in
                state.waiting.append(Waiter(item: item, continuation: continuation))
                guard !state.flushQueued, !state.held else { return false }
                state.flushQueued = true
                return true
            }
            if schedule { scheduleFlush() }
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
        let schedule = state.withLock { state in
            state.held = false
            guard !state.waiting.isEmpty, !state.flushQueued else { return false }
            state.flushQueued = true
            return true
        }
        if schedule { scheduleFlush() }
    }

    /// Commits waiting now (tests wait for a batch to fill).
    var waitingCount: Int {
        state.withLock { $0.waiting.count }
    }

    private func scheduleFlush() {
        let accepted = thread.submit { [self] database in flush(database) }
        guard !accepted else { return }
        let orphans = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        for waiter in orphans { waiter.continuation.resume(throwing: StoreError.closed) }
    }

    /// On the SQLite thread: takes every waiting commit and writes them together.
    private func flush(_ database: SnapshotDatabase) {
        let batch = state.withLock { state in
            defer {
                state.waiting = []
                state.flushQueued = false
            }
            if !state.waiting.isEmpty { state.statistics.record(batchOf: state.waiting.count) }
            return state.waiting
        }
        guard !batch.isEmpty else { return }
        let results: [Result<Void, any Error>]
        do {
            try database.checkFilePresent()
            results = database.commit(batch: batch.map(\.item))
        } catch {
            results = Array(repeating: .failure(error), count: batch.count)
        }
        for (waiter, result) in zip(batch, results) { waiter.continuation.resume(with: result) }
    }
}
