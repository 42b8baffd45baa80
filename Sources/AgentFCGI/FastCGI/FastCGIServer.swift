import CFCGI
import CLinux
import CoreMetrics
import Dispatch
import Foundation
import Logging

/// The worker threads and their shutdown. Threads, not tasks: each blocks in libfcgi calls, and
/// a stream pins its thread for its whole life, so `workers` caps concurrent requests. They are
/// started as connections need them (`WorkerPool`).
final class FastCGIServer: Sendable {
    /// What every worker shares; all of it is immutable or thread-safe.
    struct Context: Sendable {
        let listenFD: Int32
        let settings: ResponderSettings
        let router: Router
        let stats: ResponderStats
        let drain: DrainState
        /// Each worker records its requests through a `RequestMetrics` of its own made from this.
        let metricsFactory: any MetricsFactory
        let accessLog: AccessLog
        /// `FCGI_WEB_SERVER_ADDRS` (TCP peers allowed), read once as libfcgi did; nil allows any.
        let allowedPeers: [in_addr_t]?
        /// Which idle workers wait in accept() (`server.acceptors`); nil: all of them.
        let acceptTurns: AcceptTurns?
        /// Told of every connection a worker takes and lets go, to start workers ahead of need.
        let pool: WorkerPool
    }

    let context: Context
    private let listenSocket: ListenSocket
    private let exited = DispatchSemaphore(value: 0)
    private let logger = Logger(label: "agent-fcgi.server")

    init(settings: ResponderSettings, router: Router, stats: ResponderStats, listenSocket: ListenSocket,
         metricsFactory: any MetricsFactory) {
        context = Context(listenFD: listenSocket.fd, settings: settings, router: router, stats: stats, drain: DrainState(),
                          metricsFactory: metricsFactory, accessLog: AccessLog(),
                          allowedPeers: PeerSocket.allowedPeers(ProcessInfo.processInfo.environment),
                          acceptTurns: settings.acceptors > 0 && settings.acceptors < settings.workers
                              ? AcceptTurns(acceptors: settings.acceptors) : nil,
                          pool: WorkerPool(maximum: settings.workers, spare: settings.spareWorkers, stats: stats))
        self.listenSocket = listenSocket
    }

    func start() {
        context.stats.totalWorkers.store(context.settings.workers, ordering: .relaxed)
        let context = self.context
        let exited = self.exited
        context.pool.start { index in Self.startWorker(index, context: context, exited: exited) }
    }

    private static func startWorker(_ index: Int, context: Context, exited: DispatchSemaphore) {
        let thread = Thread {
            // Foundation's Thread.name does not reach the kernel here; a named thread shows in
            // crash reports ("Thread 14 "fcgi-worker-3" crashed:"), top -H and /proc.
            _ = agent_name_this_thread("fcgi-worker-\(index)")
            FastCGIWorker(context: context).run()
            exited.signal()
        }
        thread.name = "fcgi-worker-\(index)"
        thread.stackSize = context.settings.workerStackBytes
        thread.start()
    }

    /// Answers new requests with 503 while in-flight requests and streams finish, until the
    /// drain deadline (at which streams end with `: done`); then stops accepting and returns
    /// whether everything finished in time.
    func drain() -> Bool {
        context.drain.begin(seconds: context.settings.drainSeconds)
        logger.notice("draining", metadata: ["in_flight": "\(context.drain.workingCount)",
                                             "deadline_seconds": "\(context.settings.drainSeconds)"])
        while context.drain.workingCount > 0, !context.drain.deadlinePassed {
            usleep(20_000)
        }
        let finished = context.drain.workingCount == 0
        context.drain.stopAccepting()
        FCGX_ShutdownPending()
        listenSocket.shutdownAccepting()
        // Workers leave accept() at once, and a wait for request bytes within half a second; allow
        // for a last write and libfcgi's lingering close.
        let limit = DispatchTime.now() + 3
        for _ in 0..<context.pool.startedCount where exited.wait(timeout: limit) == .timedOut {
            return false
        }
        return finished
    }
}
