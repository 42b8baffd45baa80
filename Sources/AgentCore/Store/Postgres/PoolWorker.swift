import Foundation

/// One pool thread's loop and connection state. Lives on that thread only.
final class PoolWorker {
    let settings: PostgresConnectionSettings
    var connection: PostgresConnection?
    var lastError: PostgresError?
    var nextAttempt = ContinuousClock.now
    var delay = Duration.milliseconds(100)
    static let maxDelay = Duration.seconds(2)

    init(settings: PostgresConnectionSettings) {
        self.settings = settings
    }

    /// The thread's whole life: blocks between jobs and in every libpq call.
    @available(*, noasync)
    func run(_ queue: BlockingJobQueue<PoolWorker>) {
        while let job = queue.next() {
            job(self)
        }
        connection?.close()
        queue.consumerEnded()
    }

    /// The live connection, connecting first when needed, or why there is none (named after
    /// the `operation` that needed it).
    func connected(for operation: String) -> Result<PostgresConnection, PostgresError> {
        connect().mapError { error in
            var failure = error
            failure.operation = operation
            failure.message = "no connection to the database: \(error.operation) failed: \(error.message)"
            return failure
        }
    }

    private func connect() -> Result<PostgresConnection, PostgresError> {
        if let connection, !connection.checkIdleConnection() { return .success(connection) }
        connection?.close()
        connection = nil
        if let lastError, ContinuousClock.now < nextAttempt { return .failure(lastError) }
        do {
            let fresh = try PostgresConnection(settings: settings)
            connection = fresh
            lastError = nil
            delay = .milliseconds(100)
            return .success(fresh)
        } catch {
            lastError = error
            nextAttempt = ContinuousClock.now + delay
            delay = min(delay * 2, Self.maxDelay)
            return .failure(error)
        }
    }
}
