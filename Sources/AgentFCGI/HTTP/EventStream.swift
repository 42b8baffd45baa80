import Dispatch
import Glibc
import Synchronization

/// A bounded channel from an async producer (a task) to the worker thread that writes an SSE
/// response. The producer `send`s frames and suspends while the buffer is full (back-pressure);
/// the worker blocks in `Consumer.next(timeout:into:)`, takes every frame queued so far, writes
/// them and flushes once, and calls `Consumer.end(_:)` when the client has gone, so the producer
/// can decide to keep running or stop.
///
/// Two handles, as swift-nio's `NIOAsyncWriter` hands out a writer and a sink (and as
/// `TransferState` does for the curl thread):
/// - `EventStream` itself is the producer's: `send`/`sendComment`/`finish`/`onEnd`, from tasks;
///   it is `Sendable` and travels in `HTTPResponse.eventStream` to the worker.
/// - `EventStream.Consumer` is the worker's: not `Sendable`, made only by the `noasync`
///   `openConsumer()` (once per stream, on the worker thread that writes the response), so
///   "`next`/`end` only from the one worker thread" is a type the compiler checks, not a comment.
///
/// Direct writes: while the worker waits with everything flushed and nothing queued, it lets a
/// producer write a frame itself (`DirectWriter`: one non-blocking send of one FastCGI record)
/// instead of waking the worker for it. A streamed token then costs no thread wake-up, which
/// was the largest share of the CPU per relayed token (bench/notes.md). What a send cannot take
/// whole goes to the worker as before (the rest of a record first). The worker un-parks under
/// the lock and waits out a send in progress before it writes or closes anything itself, so
/// no producer ever writes outside its wait.
///
/// Threading: the shared state is behind a mutex; the worker waits on a semaphore.
public final class EventStream: Sendable {
    /// Sends one frame to the client from the producer's thread without blocking: the worker
    /// offers it (`Consumer.offerDirectWrites`) for the connection it writes to.
    struct DirectWriter: Sendable {
        enum Result: Sendable, Equatable {
            case sent
            /// Part of the record went out: the worker must send `remainder` before anything else.
            case partial(remainder: [UInt8])
            /// Nothing went out (the socket buffer is full, the frame too large, or the peer is
            /// gone): the worker writes it, and meets the error itself if there is one.
            case notSent
        }

        let send: @Sendable (String) -> Result
    }

    /// Why the worker stopped writing before the producer finished.
    public enum EndReason: Sendable, Equatable {
        /// A flush failed: the client (or the web server) closed the connection.
        case clientGone
        /// The client stopped reading for `--write-timeout-seconds`.
        case writeTimeout
        /// The responder is shutting down and the drain deadline passed.
        case shutdown
    }

    /// What one wake-up of the worker took: every frame queued so far, and whether the producer
    /// finished after them. Reused across wake-ups (the worker swaps its emptied array in), so a
    /// steady stream allocates no arrays.
    struct Batch: Equatable {
        var frames: [String] = []
        var finished = false
        /// The unsent rest of a record a producer started: written before `frames`.
        var unsentRecord: [UInt8] = []
        /// What producers wrote themselves since the last wake-up (for the access log).
        var directEvents = 0
        var directBytes = 0
    }

    private struct State {
        var buffer: [String] = []
        var finished = false
        var endReason: EndReason?
        var waitingProducers: [CheckedContinuation<Void, Never>] = []
        var endHandlers: [@Sendable (EndReason) -> Void] = []
        var consumerOpened = false
        var directWriter: DirectWriter?
        /// The worker waits with everything flushed: a producer may write directly.
        var parked = false
        /// A producer is in `DirectWriter.send`: the worker must not touch the connection.
        var directWriting = false
        var unsentRecord: [UInt8] = []
        var directEvents = 0
        var directBytes = 0
    }

    public let capacity: Int
    private let state = Mutex(State())
    private let consumerWakeup = DispatchSemaphore(value: 0)

    /// At most `capacity` frames wait queued; the worker may hold as many more while it writes
    /// the batch it took.
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

    /// The worker waits with everything flushed and offers direct writes: the next frame a
    /// producer sends goes straight to the connection.
    var acceptsDirectWrites: Bool { state.withLock { $0.parked && $0.directWriter != nil && !$0.directWriting } }

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
            enum Step { case queued, closed, full, direct(DirectWriter) }
            let step: Step = state.withLock { state in
                if state.endReason != nil || state.finished { return .closed }
                if state.parked, !state.directWriting, state.buffer.isEmpty, state.unsentRecord.isEmpty,
                   let writer = state.directWriter {
                    state.directWriting = true
                    return .direct(writer)
                }
                guard state.buffer.count < capacity else { return .full }
                state.buffer.append(frame)
                return .queued
            }
            switch step {
            case .direct(let writer):
                let result = writer.send(frame)
                let wakeWorker: Bool = state.withLock { state in
                    state.directWriting = false
                    switch result {
                    case .sent, .partial:
                        state.directEvents += frame.hasPrefix(":") ? 0 : 1
                        state.directBytes += frame.utf8.count
                        if case .partial(let remainder) = result { state.unsentRecord = remainder }
                    case .notSent:
                        state.buffer.append(frame)
                    }
                    return result != .sent
                }
                if wakeWorker { consumerWakeup.signal() }
                return true
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

    /// The worker's handle. Once per stream: a second consumer would take frames meant for the
    /// client, so it traps, as `AsyncStream` does on a second iterator.
    @available(*, noasync, message: "the consumer belongs to the worker thread that writes the response")
    func openConsumer() -> Consumer {
        let opened = state.withLock { state in
            defer { state.consumerOpened = true }
            return state.consumerOpened
        }
        precondition(!opened, "EventStream.openConsumer called twice: one worker writes a stream")
        return Consumer(stream: self)
    }

    /// The worker thread's side of one stream. Not `Sendable`: it never leaves that thread.
    struct Consumer {
        fileprivate let stream: EventStream

        /// Waits up to `timeout` seconds for frames or the end. True with `batch` refilled (its
        /// old frames dropped) when there are frames or the producer finished; false when the
        /// time passed quietly.
        @available(*, noasync, message: "blocks the worker thread until a frame or the timeout")
        func next(timeout: Double, into batch: inout Batch) -> Bool {
            stream.next(timeout: timeout, into: &batch)
        }

        /// The worker stops writing: wakes blocked producers and tells `onEnd` handlers why.
        func end(_ reason: EndReason) { stream.end(reason) }

        /// From now on, while this worker waits in `next` with everything flushed, producers
        /// write frames themselves through `writer`.
        func offerDirectWrites(_ writer: DirectWriter) {
            stream.state.withLock { $0.directWriter = writer }
        }
    }

    /// Frames, the end, or the timeout; in every case what producers wrote directly meanwhile is
    /// counted into `batch`, and no direct write is in progress when this returns.
    private func next(timeout: Double, into batch: inout Batch) -> Bool {
        let deadline = DispatchTime.now() + timeout
        batch.frames.removeAll(keepingCapacity: true)
        batch.finished = false
        batch.unsentRecord.removeAll()
        batch.directEvents = 0
        batch.directBytes = 0
        var timedOut = false
        while true {
            enum Step { case busy, ready([CheckedContinuation<Void, Never>]), wait, quiet }
            let step: Step = state.withLock { state in
                if state.directWriting { return .busy }
                state.parked = false
                batch.directEvents += state.directEvents
                batch.directBytes += state.directBytes
                state.directEvents = 0
                state.directBytes = 0
                if !state.unsentRecord.isEmpty { swap(&state.unsentRecord, &batch.unsentRecord) }
                if !state.buffer.isEmpty || state.finished || !batch.unsentRecord.isEmpty {
                    swap(&state.buffer, &batch.frames)
                    batch.finished = state.finished
                    // The buffer is empty now: every producer waiting for room may go on.
                    defer { state.waitingProducers.removeAll() }
                    return .ready(state.waitingProducers)
                }
                if timedOut { return .quiet }
                state.parked = state.directWriter != nil && state.endReason == nil
                return .wait
            }
            switch step {
            case .busy:
                // A producer's non-blocking send: it ends within microseconds.
                sched_yield()
            case .ready(let producers):
                producers.forEach { $0.resume() }
                return true
            case .quiet:
                return false
            case .wait:
                if consumerWakeup.wait(timeout: deadline) == .timedOut { timedOut = true }
            }
        }
    }

    private func end(_ reason: EndReason) {
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

/// Not `Sendable`: a consumer belongs to the worker thread (see `EventStream`).
@available(*, unavailable)
extension EventStream.Consumer: Sendable {}
