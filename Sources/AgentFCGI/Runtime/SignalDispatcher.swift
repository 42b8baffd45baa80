import CLinux
import Foundation
import Logging
import Synchronization

/// Owns the process's signals. `blockSignals()` must run before any thread exists so that every
/// thread inherits the mask; then one thread reads them from a signalfd (`waitForShutdownSignal`)
/// and dispatches: TERM/INT/QUIT once to the shutdown handler, HUP and USR1 to handlers other
/// modules register (config reload, log reopening).
///
/// A signalfd, not `sigwait`: while a thread sits in `sigwait` the kernel shows the awaited
/// signals as unblocked, so the Swift runtime's crash handler picks SIGUSR1 to pause that thread
/// for the backtrace; `sigwait` swallows it instead of running the pause handler, and the crash
/// handler retried for 16 × 2 s before giving up: every crash took 32 s to end (and "reopened"
/// the log 16 times). With a signalfd the mask stays as set, so the crash handler uses SIGUSR2,
/// which our threads leave unblocked, and a crash ends in well under a second.
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
    @available(*, noasync, message: "blocks reading a signalfd; only the main thread waits for signals")
    public func waitForShutdownSignal() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        Self.handled.forEach { sigaddset(&set, $0) }
        let descriptor = signalfd(-1, &set, Int32(SFD_CLOEXEC))
        precondition(descriptor >= 0, "signalfd failed: \(String(cString: strerror(errno)))")
        defer { close(descriptor) }
        while true {
            var info = signalfd_siginfo()
            let count = withUnsafeMutableBytes(of: &info) { read(descriptor, $0.baseAddress, $0.count) }
            guard count == MemoryLayout<signalfd_siginfo>.size else { continue }
            let received = Int32(bitPattern: info.ssi_signo)
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
