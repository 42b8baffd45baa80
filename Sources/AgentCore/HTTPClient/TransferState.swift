import Synchronization

/// What one transfer's producer (the curl thread) and consumer (the task reading the body)
/// share, handed out as two handles, as `NIOAsyncWriter` does (`makeHandles`):
///
/// - `Producer`, for the curl thread: synchronous calls that never suspend. It is not
///   `Sendable`: it crosses to the curl thread once (`CurlLoop.ProducerHandoff`), and the
///   compiler keeps it from being captured by a task or stored in anything shared.
/// - `Consumer`, for the task reading the head and body: calls that suspend, never block.
///
/// Threading: the shared state is behind a mutex; each handle's methods are the only way in.
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

    private init(host: String, loop: CurlLoop, highWater: Int) {
        self.host = host
        self.loop = loop
        self.highWater = highWater
    }

    /// A new transfer's two sides. Give `producer` to the loop (`Consumer.awaitHead` does, in
    /// `CurlLoop.Command.add`); keep `consumer` in the task.
    static func makeHandles(host: String, loop: CurlLoop,
                            highWater: Int = 1 << 20) -> (producer: Producer, consumer: Consumer) {
        let state = TransferState(host: host, loop: loop, highWater: highWater)
        return (Producer(state: state), Consumer(state: state))
    }

    /// The curl thread's side of one transfer.
    struct Producer {
        fileprivate let state: TransferState
        var host: String { state.host }
        /// The key the loop files the transfer under; the consumer's `cancel`/`resume` name it so.
        var id: ObjectIdentifier { ObjectIdentifier(state) }
        /// A transfer cancelled before the loop picked it up is never started.
        var isCancelled: Bool { state.isCancelled }
        func deliverHead(_ head: Head) { state.deliverHead(head) }
        /// Takes the bytes, or returns false when the consumer is too far behind (pause the transfer).
        func offer(_ bytes: UnsafeRawBufferPointer) -> Bool { state.offer(bytes) }
        func finish(_ failure: HTTPClientError?) { state.finish(failure) }
    }

    /// The reading task's side of one transfer.
    struct Consumer: Sendable {
        fileprivate let state: TransferState
        var host: String { state.host }
        /// Waits for status and headers, handing `producer` to the loop once the waiter is in place.
        func awaitHead(of request: HTTPClientRequest, _ producer: consuming Producer) async throws -> Head {
            try await state.awaitHead(of: request, producer)
        }
        /// The next body bytes (everything buffered so far), or nil at the end.
        func next() async throws -> [UInt8]? { try await state.next() }
        /// Aborts the transfer: the loop removes the easy handle, which closes the connection.
        func cancel() { state.cancel() }
    }

    private var cancellationError: HTTPClientError {
        HTTPClientError(kind: .cancelled, host: host, message: "request cancelled")
    }

    // MARK: consumer side (through `Consumer`)

    private func awaitHead(of request: HTTPClientRequest, _ producer: Producer) async throws -> Head {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Head, Error>) in
                let cancelled = state.withLock { state in
                    if state.cancelled { return true }
                    state.headWaiter = continuation
                    return false
                }
                if cancelled { continuation.resume(throwing: cancellationError) } else { loop.submit(.add(request, CurlLoop.ProducerHandoff(producer))) }
            }
        } onCancel: {
            cancel()
        }
    }

    private func next() async throws -> [UInt8]? {
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
                    if resume { loop.submit(.resume(ObjectIdentifier(self))) }
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

    private func cancel() {
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
        loop.submit(.cancel(ObjectIdentifier(self)))
    }

    // MARK: curl thread side (through `Producer`)

    private var isCancelled: Bool { state.withLock { $0.cancelled } }

    private func deliverHead(_ head: Head) {
        let waiter = state.withLock { state in
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        waiter?.resume(returning: head)
    }

    private func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
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

    private func finish(_ failure: HTTPClientError?) {
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

/// Not `Sendable`: a producer belongs to the curl thread (see `TransferState`).
@available(*, unavailable)
extension TransferState.Producer: Sendable {}
