import Synchronization

/// What one transfer's producer (the curl thread) and consumer (the task reading the body)
/// share. Every method is safe from any thread; the consumer side suspends, never blocks.
///
/// Back-pressure: the curl thread stops accepting bytes once `highWater` bytes wait unread and
/// pauses the transfer; the consumer asks the loop to resume it after draining the buffer.
final class TransferState: Sendable {
    struct Head: Sendable {
        var status: Int
        var headers: [HTTPHeader]
    }

    private struct State {
        var headWaiter: CheckedContinuation<Head, Error>?
        var bodyWaiter: CheckedContinuation<[UInt8]?, Error>?
        var pending: [UInt8] = []
        var paused = false
        var finished = false
        var failure: HTTPClientError?
        var cancelled = false
    }

    let host: String
    private let highWater: Int
    private let loop: CurlLoop
    private let state = Mutex(State())

    init(host: String, loop: CurlLoop, highWater: Int = 1 << 20) {
        self.host = host
        self.loop = loop
        self.highWater = highWater
    }

    private var cancellationError: HTTPClientError {
        HTTPClientError(kind: .cancelled, host: host, message: "request cancelled")
    }

    // MARK: consumer side

    /// Waits for status and headers; `start` hands the transfer to the loop once the waiter is in place.
    func awaitHead(start: @Sendable () -> Void) async throws -> Head {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Head, Error>) in
                let cancelled = state.withLock { state in
                    if state.cancelled { return true }
                    state.headWaiter = continuation
                    return false
                }
                if cancelled { continuation.resume(throwing: cancellationError) } else { start() }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The next body bytes (everything buffered so far), or nil at the end.
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, Error>) in
                enum Outcome { case bytes([UInt8], resume: Bool), end, failure(HTTPClientError), wait }
                let outcome: Outcome = state.withLock { state in
                    if state.cancelled { return .failure(cancellationError) }
                    if !state.pending.isEmpty {
                        let bytes = state.pending
                        state.pending = []
                        let resume = state.paused
                        state.paused = false
                        return .bytes(bytes, resume: resume)
                    }
                    if state.finished { return state.failure.map(Outcome.failure) ?? .end }
                    state.bodyWaiter = continuation
                    return .wait
                }
                switch outcome {
                case .bytes(let bytes, let resume):
                    if resume { loop.submit(.resume(self)) }
                    continuation.resume(returning: bytes)
                case .end: continuation.resume(returning: nil)
                case .failure(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Aborts the transfer: the loop removes the easy handle, which closes the connection.
    func cancel() {
        let waiters = state.withLock { state -> (CheckedContinuation<Head, Error>?, CheckedContinuation<[UInt8]?, Error>?)? in
            if state.cancelled || state.finished { return nil }
            state.cancelled = true
            state.pending = []
            defer { state.headWaiter = nil; state.bodyWaiter = nil }
            return (state.headWaiter, state.bodyWaiter)
        }
        guard let waiters else { return }
        waiters.0?.resume(throwing: cancellationError)
        waiters.1?.resume(throwing: cancellationError)
        loop.submit(.cancel(self))
    }

    // MARK: curl thread side

    /// A transfer cancelled before the loop picked it up is never started.
    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func deliverHead(_ head: Head) {
        let waiter = state.withLock { state in
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        waiter?.resume(returning: head)
    }

    /// Takes the bytes, or returns false when the consumer is too far behind (pause the transfer).
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        enum Outcome { case buffered, handOver(CheckedContinuation<[UInt8]?, Error>), pause }
        let outcome: Outcome = state.withLock { state in
            if state.cancelled { return .buffered }  // dropped; the loop removes the transfer soon
            if let waiter = state.bodyWaiter {
                state.bodyWaiter = nil
                return .handOver(waiter)
            }
            if state.pending.count >= highWater {
                state.paused = true
                return .pause
            }
            state.pending.append(contentsOf: bytes)
            return .buffered
        }
        switch outcome {
        case .buffered: return true
        case .pause: return false
        case .handOver(let waiter):
            waiter.resume(returning: Array(bytes))
            return true
        }
    }

    func finish(_ failure: HTTPClientError?) {
        let waiters = state.withLock { state -> (CheckedContinuation<Head, Error>?, CheckedContinuation<[UInt8]?, Error>?) in
            state.finished = true
            state.failure = failure
            defer { state.headWaiter = nil; state.bodyWaiter = nil }
            return (state.headWaiter, state.pending.isEmpty ? state.bodyWaiter : nil)
        }
        if let headWaiter = waiters.0 {
            headWaiter.resume(throwing: failure ?? HTTPClientError(kind: .transfer, host: host, message: "no response head"))
        }
        if let bodyWaiter = waiters.1 {
            if let failure { bodyWaiter.resume(throwing: failure) } else { bodyWaiter.resume(returning: nil) }
        }
    }
}
