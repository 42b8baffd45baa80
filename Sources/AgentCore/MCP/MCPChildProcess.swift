import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A long-running stdio MCP server: started with `ChildSpawner` (its own process group, no
/// inherited descriptors, default signals), stdin written from a queue, stdout split into lines
/// (one JSON-RPC message each), stderr lines handed to the log.
///
/// Threading: one dedicated thread per process does spawn, poll, read, write and waitpid; other
/// threads only queue bytes or ask it to stop, and wake it through a pipe. The handlers run on
/// that thread and must not block. `exited` is called exactly once, last.
final class MCPChildProcess: Sendable {
    struct Handlers: Sendable {
        var message: @Sendable ([UInt8]) -> Void
        var stderrLine: @Sendable (String) -> Void
        var exited: @Sendable (String) -> Void
    }

    /// A line longer than this is not a message we will parse: the server is stopped.
    static let maxMessageBytes = 64 << 20

    private struct Shared {
        var pending: [UInt8] = []
        var stopRequested = false
        var pid: pid_t = 0
    }

    private let wakeup: ChildProcess.WakeupPipe
    private let shared = Mutex(Shared())
    let program: String

    /// Starts the thread, which spawns the process; a failure to spawn arrives as `exited`.
    init(argv: [String], environment: [String: String], workingDirectory: String?, stopGrace: Duration,
         handlers: Handlers) throws {
        guard let program = argv.first, !program.isEmpty else { throw ChildProcessError(message: "empty argv") }
        self.program = program
        wakeup = try ChildProcess.WakeupPipe()
        let loop = MCPChildLoop(argv: argv, environment: environment.map { "\($0.key)=\($0.value)" }.sorted(),
                                workingDirectory: workingDirectory, stopGrace: stopGrace, handlers: handlers)
        let thread = Thread { [self] in
            loop.run(owner: self)
            wakeup.close()
        }
        thread.name = "mcp:\((program as NSString).lastPathComponent)"
        thread.start()
    }

    var pid: pid_t { shared.withLock { $0.pid } }

    /// Queues one message (a newline is appended).
    func send(_ bytes: [UInt8]) {
        shared.withLock { $0.pending += bytes + [0x0A] }
        wakeup.signal()
    }

    /// Closes stdin, then SIGTERM, then SIGKILL to the group, `stopGrace` apart (the MCP spec's
    /// order for stdio); returns at once, `exited` follows.
    func stop() {
        shared.withLock { $0.stopRequested = true }
        wakeup.signal()
    }

    // MARK: for the loop thread

    fileprivate var wakeFD: Int32 { wakeup.readFD }
    fileprivate func setPid(_ pid: pid_t) { shared.withLock { $0.pid = pid } }
    fileprivate func take() -> (bytes: [UInt8], stop: Bool) {
        shared.withLock { state in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return (state.pending, state.stopRequested)
        }
    }
}

/// The body of the process thread. Owned by that thread alone.
private final class MCPChildLoop: @unchecked Sendable {
    let argv: [String]
    let environment: [String]
    let workingDirectory: String?
    let stopGrace: Duration
    let handlers: MCPChildProcess.Handlers
    private var outgoing: [UInt8] = []
    private var stdoutLine: [UInt8] = []
    private var stderrLine: [UInt8] = []
    private var stderrTail: [String] = []
    private var stopping = false
    private var killed = false
    private var overflow = false

    init(argv: [String], environment: [String], workingDirectory: String?, stopGrace: Duration,
         handlers: MCPChildProcess.Handlers) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stopGrace = stopGrace
        self.handlers = handlers
    }

    @available(*, noasync, message: "the server process's own thread: polls, reads and waits for it")
    func run(owner: MCPChildProcess) {
        let child: ChildSpawner.PipedChild
        do {
            child = try ChildSpawner.spawnPiped(argv: argv, environment: environment, workingDirectory: workingDirectory)
        } catch {
            handlers.exited("\(error)")
            return
        }
        let pid = child.pid
        owner.setPid(pid)
        var stdinFD = child.stdin, stdoutFD = child.stdout, stderrFD = child.stderr
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        var deadline: ContinuousClock.Instant?
        var termSent = false
        var buffer = [UInt8](repeating: 0, count: 65536)

        while stdoutFD >= 0 {
            let (bytes, stop) = owner.take()
            outgoing += bytes
            if stop, !stopping {
                stopping = true
                // Step one of the spec's shutdown: close the server's input and let it leave.
                if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
                deadline = .now + stopGrace
            }
            if stopping { outgoing.removeAll() }
            if let due = deadline, ContinuousClock.now >= due {
                if termSent { break }
                _ = kill(-pid, SIGTERM)
                termSent = true
                deadline = .now + stopGrace
            }
            var fds = [pollfd(fd: owner.wakeFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)]
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0, !outgoing.isEmpty { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let timeout = deadline.map { ContinuousClock.now.duration(to: $0).pollMilliseconds } ?? -1
            if poll(&fds, nfds_t(fds.count), timeout) < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { Self.drain(owner.wakeFD, &buffer) }
            for entry in fds.dropFirst() where entry.revents != 0 {
                if entry.fd == stdoutFD {
                    if !read(stdoutFD, &buffer, isStdout: true) { close(stdoutFD); stdoutFD = -1 }
                } else if entry.fd == stderrFD {
                    if !read(stderrFD, &buffer, isStdout: false) { close(stderrFD); stderrFD = -1 }
                } else if entry.fd == stdinFD, !write(stdinFD) {
                    close(stdinFD)
                    stdinFD = -1
                }
            }
            if overflow { break }
        }
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        let status = reap(pid)
        // Whatever the server started in its group goes with it.
        _ = kill(-pid, SIGKILL)
        handlers.exited(reason(status: status))
    }

    /// False at end of file or on an error that ends the stream.
    private func read(_ fd: Int32, _ buffer: inout [UInt8], isStdout: Bool) -> Bool {
        let count = Glibc.read(fd, &buffer, buffer.count)
        if count < 0 { return errno == EAGAIN || errno == EINTR }
        if count == 0 { return false }
        for byte in buffer[0..<count] {
            if isStdout {
                if byte == 0x0A {
                    if stdoutLine.last == 0x0D { stdoutLine.removeLast() }
                    if !stdoutLine.isEmpty { handlers.message(stdoutLine) }
                    stdoutLine.removeAll(keepingCapacity: true)
                } else {
                    stdoutLine.append(byte)
                }
            } else if byte == 0x0A {
                endStderrLine()
            } else if stderrLine.count < 4096 {
                stderrLine.append(byte)
            }
        }
        if stdoutLine.count > MCPChildProcess.maxMessageBytes { overflow = true }
        return true
    }

    private func endStderrLine() {
        let line = String(decoding: stderrLine, as: UTF8.self)
        stderrLine.removeAll(keepingCapacity: true)
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        handlers.stderrLine(line)
        stderrTail.append(String(line.prefix(300)))
        if stderrTail.count > 4 { stderrTail.removeFirst() }
    }

    /// False when stdin is finished (the server closed it).
    private func write(_ fd: Int32) -> Bool {
        let count = outgoing.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if count > 0 { outgoing.removeFirst(count) }
        return count >= 0 || errno == EAGAIN || errno == EINTR
    }

    /// Waits for the server itself: a little while for it to leave on its own, then it is killed.
    private func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        let patience = ContinuousClock.now + (stopping ? stopGrace : .seconds(1))
        while true {
            let done = waitpid(pid, &status, killed ? 0 : WNOHANG)
            if done == pid { return status }
            if done < 0 && errno != EINTR { return -1 }
            if done == 0 {
                if ContinuousClock.now >= patience {
                    _ = kill(-pid, SIGKILL)
                    killed = true
                } else {
                    usleep(10_000)
                }
            }
        }
    }

    private func reason(status: Int32) -> String {
        if !stderrLine.isEmpty { endStderrLine() }
        var text: String
        if overflow {
            text = "sent a message over \(MCPChildProcess.maxMessageBytes) bytes; it was stopped"
        } else if stopping {
            text = "stopped"
        } else if status < 0 {
            text = "ended (exit status unknown)"
        } else if status & 0x7f == 0 {
            text = "exited with status \((status >> 8) & 0xff)"
        } else {
            text = "was killed by signal \(status & 0x7f)"
        }
        if !stopping, !stderrTail.isEmpty { text += "; last stderr: " + stderrTail.joined(separator: " | ") }
        return text
    }

    private static func drain(_ fd: Int32, _ buffer: inout [UInt8]) {
        while Glibc.read(fd, &buffer, buffer.count) > 0 {}
    }
}
