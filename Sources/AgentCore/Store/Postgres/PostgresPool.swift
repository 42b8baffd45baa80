import Foundation
import Synchronization

/// `size` OS threads, each owning one `PostgresConnection`, taking jobs from one queue.
///
/// libpq calls block (network round trips, connect timeouts), and the cooperative pool has
/// one thread per core, so no libpq call may run there: callers `await` `perform`, the work
/// runs on a pool thread against that thread's connection, which never leaves it.
///
/// A thread whose connection is missing or broken reconnects before its next job, with
/// exponential backoff: while backing off, jobs fail at once with the last connect error
/// instead of queueing behind a dead server, so callers (and `/health`) learn of it quickly.
final class PostgresPool: Sendable {
    let settings: PostgresConnectionSettings
    let size: Int
    private let queue = BlockingJobQueue<PoolWorker>()
    private let busy = Atomic<Int>(0)
    private let trips = Atomic<Int>(0)

    /// Pool threads running a job now (`/metrics`).
    var inUse: Int { busy.load(ordering: .relaxed) }

    /// Round trips to the server made by jobs since the pool started (`PostgresConnection.roundTrips`):
    /// what a store operation costs in waits for the database, whatever the network's latency.
    var roundTrips: Int { trips.load(ordering: .relaxed) }

    init(settings: PostgresConnectionSettings, size: Int, name: String = "postgres") {
        self.settings = settings
        self.size = max(1, size)
        for index in 0..<self.size {
            let queue = self.queue
            let thread = Thread {
                Thread.current.name = "\(name)-\(index)"
                PoolWorker(settings: settings).run(queue)
            }
            thread.start()
        }
    }

    deinit {
        queue.stop()
    }

    /// Runs `work` on a pool thread with a live connection; `operation` names it in errors.
    /// A transaction a failed job left open is rolled back before the connection serves anyone
    /// else. Deadlocks and serialization failures are retried (twice): every job is one
    /// transaction, so running it again from the start is safe. A connection found dead before
    /// the server answered anything of the job (one that died while idle and looked alive) is
    /// replaced and the job run again; with `idempotent` (reads), so is one lost at any point.
    /// (Only a job whose first round trip commits by itself is ambiguous then — the server may
    /// have run it and died before answering; for the store's single-statement writes a second
    /// run is harmless or fails safely: a create finds the session taken. A step commit's first
    /// round trip only locks the row.) The work runs to the end even if the caller is cancelled.
    func perform<T: Sendable>(_ operation: String, idempotent: Bool = false,
                              _ work: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = schedule(operation, idempotent: idempotent, work) { continuation.resume(with: $0) }
            if !accepted { continuation.resume(throwing: StoreError.closed) }
        }
    }

    /// `perform` without waiting: `completion` gets the outcome on the pool thread. False when
    /// the pool has stopped (then neither runs). For callers that resume their own waiters, as
    /// the group commit does (`GroupCommitQueue`).
    func schedule<T: Sendable>(_ operation: String, idempotent: Bool = false,
                               _ work: @escaping @Sendable (PostgresConnection) throws -> T,
                               completion: @escaping @Sendable (Result<T, any Error>) -> Void) -> Bool {
        queue.enqueue { worker in
            self.busy.add(1, ordering: .relaxed)
            defer { self.busy.subtract(1, ordering: .relaxed) }
            var attempt = 0
            while true {
                attempt += 1
                let connection: PostgresConnection
                switch worker.connected(for: operation) {
                case .failure(let error):
                    completion(.failure(error))
                    return
                case .success(let live):
                    connection = live
                }
                let answeredBefore = connection.answered, tripsBefore = connection.roundTrips
                // Counted before the caller resumes: it may read the count at once.
                let countTrips = { _ = self.trips.add(connection.roundTrips - tripsBefore, ordering: .relaxed) }
                do {
                    let value = try work(connection)
                    countTrips()
                    completion(.success(value))
                } catch let error as PostgresError where attempt < 3 && (error.isRetryableConflict || (error.connectionLost
                    && (idempotent || connection.answered == answeredBefore))) {
                    connection.rollbackIfNeeded()
                    countTrips()
                    continue
                } catch {
                    connection.rollbackIfNeeded()
                    countTrips()
                    completion(.failure(error))
                }
                return
            }
        }
    }

    /// Lets queued jobs finish, then closes every connection and ends the threads; later
    /// `perform` calls fail with `StoreError.closed`. Returns once every thread has ended.
    func stop() async {
        queue.stop()
        while !queue.allConsumersEnded(count: size) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
