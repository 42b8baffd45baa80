import CPostgres
import Foundation
import Synchronization

/// LISTENs on one channel with a connection of its own and hands each notification's payload
/// to `deliver`.
///
/// Threading: one dedicated thread, `postgres-listen`, owns the connection (`ListenLoop`) and
/// blocks in `poll` on its socket and a wake-up pipe, never on the cooperative pool; `deliver`
/// and `resumed` run on that thread and must not block. `stop()` may be called from any task.
///
/// The connection is replaced, with backoff (0.1 s doubling to 2 s), when it dies (a server
/// restart, `pg_terminate_backend`, or a network cut found by a `SELECT 1` probe after
/// `probeAfter` of silence); each new connection LISTENs again and then calls `resumed`, since
/// notifications sent while it was away are lost.
final class PostgresListener: Sendable {
    let settings: PostgresConnectionSettings
    let channel: String
    let deliver: @Sendable (String) -> Void
    let resumed: @Sendable () -> Void
    private let wakeRead: Int32
    private let wakeWrite: Int32
    let stopped = Atomic<Bool>(false)
    let ended = Atomic<Bool>(false)
    /// Connections made after the first one (each a reconnect).
    let reconnects = Atomic<Int>(0)
    /// Whether a LISTEN is in place right now.
    let listening = Atomic<Bool>(false)
    /// Quiet time after which the connection is checked with a probe, and how long the probe may take.
    static let probeAfter = Duration.seconds(10)
    static let probeTimeout = Duration.seconds(10)

    /// `channel` must be a plain identifier (it is written into the LISTEN statement).
    init(settings: PostgresConnectionSettings, channel: String, deliver: @escaping @Sendable (String) -> Void,
         resumed: @escaping @Sendable () -> Void) {
        precondition(channel.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        self.settings = settings
        self.channel = channel
        self.deliver = deliver
        self.resumed = resumed
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        }
        let wakeRead = fds[0]
        self.wakeRead = wakeRead
        wakeWrite = fds[1]
        let thread = Thread { [self] in
            ListenLoop(listener: self, wakeRead: wakeRead).run()
            ended.store(true, ordering: .releasing)
        }
        thread.name = "postgres-listen"
        thread.start()
    }

    /// Ends the thread (closing its connection) and waits for it, at most five seconds.
    func stop() async {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        let deadline = ContinuousClock.now + .seconds(5)
        while !ended.load(ordering: .acquiring), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if ended.load(ordering: .acquiring) {
            close(wakeRead)
            close(wakeWrite)
        }
    }
}

/// The listener thread's loop and connection; lives on that thread only.
private final class ListenLoop {
    let listener: PostgresListener
    let wakeRead: Int32
    var delay = Duration.milliseconds(100)
    var connectedBefore = false

    init(listener: PostgresListener, wakeRead: Int32) {
        self.listener = listener
        self.wakeRead = wakeRead
    }

    var isStopped: Bool { listener.stopped.load(ordering: .acquiring) }

    @available(*, noasync)
    func run() {
        while !isStopped {
            guard let connection = connect() else {
                sleep(delay)
                delay = min(delay * 2, .seconds(2))
                continue
            }
            delay = .milliseconds(100)
            listen(on: connection)
            listener.listening.store(false, ordering: .releasing)
            connection.close()
        }
    }

    /// A connection with LISTEN in place, or nil (why is not kept: the store's own pool reports
    /// database outages; this one only retries).
    @available(*, noasync)
    private func connect() -> PostgresConnection? {
        do {
            // Named apart from the pool's connections in pg_stat_activity.
            var settings = listener.settings
            settings.applicationName += "-listen"
            let connection = try PostgresConnection(settings: settings)
            try connection.execute("LISTEN \(listener.channel)", operation: "listen")
            listener.listening.store(true, ordering: .releasing)
            if connectedBefore {
                listener.reconnects.add(1, ordering: .relaxed)
                StoreNotifyMetrics.listenerReconnected()
            }
            connectedBefore = true
            // Anything sent while no LISTEN was in place is lost: waiters look at the store again.
            listener.resumed()
            return connection
        } catch {
            return nil
        }
    }

    /// Delivers notifications until the connection dies or the listener stops.
    @available(*, noasync)
    private func listen(on connection: PostgresConnection) {
        guard let handle = try? connection.open("listen") else { return }
        var lastHeard = ContinuousClock.now
        var probeSent: ContinuousClock.Instant?
        while !isStopped {
            var descriptors = [pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, 1000)
            if ready < 0 && errno != EINTR { return }
            if descriptors[1].revents != 0 { drainWakePipe() }
            if isStopped { return }
            if descriptors[0].revents != 0 {
                guard PQconsumeInput(handle) == 1 else { return }
                lastHeard = ContinuousClock.now
            }
            while let notification = PQnotifies(handle) {
                let payload = String(cString: notification.pointee.extra)
                PQfreemem(notification)
                listener.deliver(payload)
            }
            // The probe's answer: read it whole, then the connection is known to be alive.
            while probeSent != nil, PQisBusy(handle) == 0 {
                guard let result = PQgetResult(handle) else {
                    probeSent = nil
                    break
                }
                PQclear(result)
            }
            if connection.isBroken { return }
            let now = ContinuousClock.now
            if let sent = probeSent {
                if now - sent > PostgresListener.probeTimeout { return }
            } else if now - lastHeard > PostgresListener.probeAfter {
                guard PQsendQuery(handle, "SELECT 1") == 1 else { return }
                probeSent = now
            }
        }
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    /// Waits `duration` or until `stop()` rings the pipe.
    @available(*, noasync)
    private func sleep(_ duration: Duration) {
        var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000))
    }
}
