import Dispatch
import Synchronization

/// A bounded channel from an async producer (a task) to the worker thread that writes an SSE
/// response. The producer `send`s frames and suspends while the buffer is full (back-pressure);
/// the worker blocks in `next(timeout:)`, writes and flushes each frame, and calls `end(_:)`
/// when the client has gone, so the producer can decide to keep running or stop.
///
/// Thread rules: `send`/`finish` from tasks; `next`/`end` only from the one worker thread.
public final class EventStream: Sendable {
    /// Why the worker stopped writing before the producer finished.
    public enum EndReason: Sendable, Equatable {
        /// A flush failed: the client (or the web server) closed the connection.
        case clientGone
        /// The client stopped reading for `--write-timeout-seconds`.
        case writeTimeout
        /// The responder is shutting down and the drain deadline passed.
        case shutdown
    }

    enum Item: Equatable {
        case frame(String)
        case finished
    }

    private struct State {
        var buffer: [String] = []
        var finished = false
        var endReason: EndReason?
        var waitingProducers: [CheckedContinuation<Void, Never>] = []
        var endHandlers: [@Sendable (EndReason) -> Void] = []
    }

    public let capacity: Int
    private let state = Mutex(State())
    private let consumerWakeup = DispatchSemaphore(value: 0)

    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
    }

    // MARK: Producer side

    /// Queues one event frame. Returns false, dropping it, once the stream ended or finished.
    @discardableResult
    public func send(data: String, id: Int? = nil) async -> Bool {
        await sendFrame(SSEFrame.event(id: id, data: data))
    }

    /// Queues a comment frame (`: text`).
    @discardableResult
    public func sendComment(_ text: String) async -> Bool {
        await sendFrame(SSEFrame.comment(text))
    }

    /// No more frames: the worker writes what is queued, then `: done`, and ends the response.
    public func finish() {
        state.withLock { $0.finished = true }
        consumerWakeup.signal()
    }

    /// Set when the worker stopped before `finish()`; nil while writing or after a normal end.
    public var endReason: EndReason? { state.withLock { $0.endReason } }

    public var isClientGone: Bool { endReason == .clientGone || endReason == .writeTimeout }

    /// Called once with the reason when the worker stops early (immediately if it already has).
    /// Runs on the worker thread: hand real work to a task, don't block in it.
    public func onEnd(_ handler: @escaping @Sendable (EndReason) -> Void) {
        let reason: EndReason? = state.withLock { state in
            if state.endReason == nil { state.endHandlers.append(handler) }
            return state.endReason
        }
        if let reason { handler(reason) }
    }

    private func sendFrame(_ frame: String) async -> Bool {
        while true {
            enum Step { case queued, closed, full }
            let step: Step = state.withLock { state in
                if state.endReason != nil || state.finished { return .closed }
                guard state.buffer.count < capacity else { return .full }
                state.buffer.append(frame)
                return .queued
            }
            switch step {
            case .queued:
                consumerWakeup.signal()
                return true
            case .closed:
                return false
            case .full:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state in
                        let blocked = state.buffer.count >= capacity && state.endReason == nil && !state.finished
                        if blocked { state.waitingProducers.append(continuation) }
                        return !blocked
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    // MARK: Worker side

    /// The next frame, `.finished` after the last one, or nil when `timeout` seconds passed quietly.
    @available(*, noasync, message: "blocks the worker thread until a frame or the timeout")
    func next(timeout: Double) -> Item? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (item, producer): (Item?, CheckedContinuation<Void, Never>?) = state.withLock { state in
                if !state.buffer.isEmpty {
                    let frame = state.buffer.removeFirst()
                    let producer = state.waitingProducers.isEmpty ? nil : state.waitingProducers.removeFirst()
                    return (.frame(frame), producer)
                }
                return (state.finished ? .finished : nil, nil)
            }
            producer?.resume()
            if let item { return item }
            if consumerWakeup.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    /// The worker stops writing: wakes blocked producers and tells `onEnd` handlers why.
    func end(_ reason: EndReason) {
        let (producers, handlers) = state.withLock { state in
            guard state.endReason == nil else { return ([CheckedContinuation<Void, Never>](), [@Sendable (EndReason) -> Void]()) }
            state.endReason = reason
            state.buffer.removeAll()
            defer { state.waitingProducers.removeAll(); state.endHandlers.removeAll() }
            return (state.waitingProducers, state.endHandlers)
        }
        producers.forEach { $0.resume() }
        handlers.forEach { $0(reason) }
    }
}
