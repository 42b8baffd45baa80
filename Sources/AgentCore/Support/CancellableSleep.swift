import Dispatch
import Synchronization

/// `Task.sleep` for timeouts that are nearly always cancelled: the timer and everything it
/// holds are released when the sleep is cancelled, not when the deadline would have come.
///
/// Why: a cancelled `Task.sleep` returns at once, but on Linux its timer stays queued in
/// libdispatch until the original deadline, holding its task, a dispatch source and a
/// continuation (about 1 KiB; swiftlang/swift#60441). Every tool call races its work against
/// `tool_timeout_seconds` (60 s by default), so a responder held a KiB per tool call of the
/// last minute: 17 KiB after each query of the bench's `sessions` scenario, more than the
/// sessions themselves (bench/notes.md). Here the timer is a dispatch source that cancellation
/// cancels, which frees it.
///
/// Use it where a deadline races work (`withTaskGroup` timeouts, watchdog tasks); a plain
/// delay that runs to its end (retry backoff, poll loops) gains nothing from it.
///
/// Threading: call from any task. The timer fires on one serial dispatch queue of its own and
/// only resumes the continuation; cancellation may run on any thread. A serial queue runs on
/// libdispatch's overcommit threads, so a deadline still fires when the global queues' few
/// threads are all busy (a deadline exists for exactly that kind of moment).
public enum CancellableSleep {
    /// Sleeps `duration`; throws `CancellationError` as soon as the calling task is cancelled
    /// (at once when it already is), like `Task.sleep`.
    public static func sleep(for duration: Duration) async throws {
        let sleeper = Sleeper(duration: duration)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                sleeper.start(continuation)
            }
        } onCancel: {
            sleeper.cancel()
        }
    }

    /// Counts the sleeps started by the tasks it is bound to (and their child tasks) and the
    /// ones whose timer libdispatch has let go: tests bind one and check both come out equal.
    final class Ledger: Sendable {
        let started = Atomic<Int>(0)
        let released = Atomic<Int>(0)
    }

    @TaskLocal static var ledger: Ledger?
}

/// One sleep's timer and continuation; whichever of fire and cancel comes first resumes it.
private final class Sleeper: Sendable {
    static let queue = DispatchQueue(label: "agent-fcgi.cancellable-sleep")

    private enum State {
        case starting
        case sleeping(CheckedContinuation<Void, any Error>)
        /// Fired or cancelled before `start` stored the continuation: `start` resumes it.
        case firedEarly
        case cancelledEarly
        case over
    }

    private let state = Mutex(State.starting)
    private let ledger = CancellableSleep.ledger
    /// libdispatch's sources are thread-safe; the type only lacks the annotation. Activated here,
    /// before anything can cancel it (libdispatch must not be handed an inactive source to cancel
    /// or release); its handler's reference to `self` ends with `cancel()`, which every ending calls.
    private nonisolated(unsafe) let timer: any DispatchSourceTimer

    init(duration: Duration) {
        timer = DispatchSource.makeTimerSource(queue: Self.queue)
        ledger?.started.add(1, ordering: .relaxed)
        timer.setEventHandler { self.end(.success(()), early: .firedEarly) }
        timer.schedule(deadline: .now() + .nanoseconds(Self.nanoseconds(duration)))
        timer.activate()
    }

    deinit {
        ledger?.released.add(1, ordering: .relaxed)
    }

    func start(_ continuation: CheckedContinuation<Void, any Error>) {
        let early = state.withLock { state -> Result<Void, any Error>? in
            switch state {
            case .starting:
                state = .sleeping(continuation)
                return nil
            case .firedEarly:
                state = .over
                return .success(())
            case .cancelledEarly:
                state = .over
                return .failure(CancellationError())
            case .sleeping, .over:
                preconditionFailure("a sleep is started once")
            }
        }
        if let early { continuation.resume(with: early) }
    }

    func cancel() {
        end(.failure(CancellationError()), early: .cancelledEarly)
    }

    private func end(_ result: Result<Void, any Error>, early: State) {
        timer.cancel()
        let waiting = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            switch state {
            case .starting:
                state = early
                return nil
            case .sleeping(let continuation):
                state = .over
                return continuation
            case .firedEarly, .cancelledEarly, .over:
                return nil
            }
        }
        waiting?.resume(with: result)
    }

    /// Dispatch counts in `Int` nanoseconds; a longer sleep than ~292 years is not one anyone waits out.
    private static func nanoseconds(_ duration: Duration) -> Int {
        guard duration > .zero else { return 0 }
        let (seconds, overflow) = duration.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return Int.max / 2 }
        return Int(min(seconds + duration.components.attoseconds / 1_000_000_000, Int64(Int.max / 2)))
    }
}
