import Foundation
import Logging
import Synchronization

/// Owns the process's signals. `blockSignals()` must run before any thread exists so that every
/// thread inherits the mask; then one thread sits in `sigwait` (`run`) and dispatches:
/// TERM/INT/QUIT once to the shutdown handler, HUP and USR1 to handlers other modules register
/// (config reload, log reopening).
public final class SignalDispatcher: Sendable {
    public static let handled: [Int32] = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1]

    private let handlers = Mutex<[Int32: [@Sendable () -> Void]]>([:])
    private let logger = Logger(label: "agent-fcgi.signals")

    public init() {}

    /// Blocks the handled signals in the calling thread (and every thread it creates later).
    public static func blockSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        handled.forEach { sigaddset(&set, $0) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Adds a handler for SIGHUP or SIGUSR1. Handlers run on the signal thread, in order.
    public func register(_ signal: Int32, _ handler: @escaping @Sendable () -> Void) {
        precondition(signal == SIGHUP || signal == SIGUSR1, "only HUP and USR1 take registrable handlers")
        handlers.withLock { $0[signal, default: []].append(handler) }
    }

    /// Waits for signals on the calling thread; returns the first TERM/INT/QUIT it sees.
    @available(*, noasync, message: "blocks in sigwait; only the main thread waits for signals")
    public func waitForShutdownSignal() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        Self.handled.forEach { sigaddset(&set, $0) }
        while true {
            var received: Int32 = 0
            guard sigwait(&set, &received) == 0 else { continue }
            switch received {
            case SIGHUP, SIGUSR1:
                let registered = handlers.withLock { $0[received] ?? [] }
                logger.info("signal received", metadata: ["signal": "\(Self.name(received))",
                                                          "handlers": "\(registered.count)"])
                registered.forEach { $0() }
            default:
                return received
            }
        }
    }

    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "TERM"
        case SIGINT: return "INT"
        case SIGQUIT: return "QUIT"
        case SIGHUP: return "HUP"
        case SIGUSR1: return "USR1"
        default: return "\(signal)"
        }
    }
}
