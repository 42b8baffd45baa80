import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public struct ChildProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Runs one program with posix_spawn in its own process group, feeding stdin and collecting
/// stdout/stderr.
///
/// Threading: everything that blocks (spawn, poll, read, write, waitpid) runs on a dedicated
/// thread per run, never on the cooperative pool; the calling task just awaits a continuation.
/// Cancelling that task wakes the thread through a pipe, and the thread kills the whole group.
/// SIGPIPE is blocked on that thread so a child that closes stdin early gives EPIPE, not a dead server.
public enum ChildProcess {
    public static let stderrTail = 16 * 1024

    public static func run(argv: [String], environment: [String: String], workingDirectory: String?,
                           stdin: [UInt8], timeout: Duration, outputCap: Int) async throws -> ChildProcessResult {
        guard let program = argv.first, !program.isEmpty else { throw ChildProcessError(message: "empty argv") }
        let wakeup = try WakeupPipe()
        let job = Job(argv: argv, environment: environment.map { "\($0.key)=\($0.value)" }.sorted(),
                      workingDirectory: workingDirectory, stdin: stdin,
                      deadline: ContinuousClock.now.advanced(by: timeout), outputCap: max(outputCap, 0))
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildProcessResult, Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try job.execute(wakeup: wakeup) })
                    wakeup.close()
                }
                thread.name = "child:\(program)"
                thread.start()
            }
        } onCancel: {
            wakeup.signal()
        }
    }

    /// A self-pipe that lets the cancellation handler wake the polling thread. The lock keeps a
    /// late `signal()` from writing to a descriptor number that was closed and reused.
    final class WakeupPipe: Sendable {
        private let state: Mutex<(signalled: Bool, readFD: Int32, writeFD: Int32)>

        init() throws {
            let fds = try ChildProcess.makePipe()
            for fd in [fds.read, fds.write] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            state = Mutex((false, fds.read, fds.write))
        }

        var readFD: Int32 { state.withLock { $0.readFD } }
        var isSignalled: Bool { state.withLock { $0.signalled } }

        func signal() {
            state.withLock { state in
                state.signalled = true
                if state.writeFD >= 0 {
                    var byte: UInt8 = 1
                    _ = Glibc.write(state.writeFD, &byte, 1)
                }
            }
        }

        func close() {
            state.withLock { state in
                if state.readFD >= 0 { _ = Glibc.close(state.readFD) }
                if state.writeFD >= 0 { _ = Glibc.close(state.writeFD) }
                state.readFD = -1
                state.writeFD = -1
            }
        }
    }

    struct Job: Sendable {
        var argv: [String]
        var environment: [String]
        var workingDirectory: String?
        var stdin: [UInt8]
        var deadline: ContinuousClock.Instant
        var outputCap: Int

        /// Spawns and waits for the child (poll, read, write, waitpid): the child's own thread only.
        @available(*, noasync, message: "blocks until the child exits; run it on the child's own thread")
        func execute(wakeup: WakeupPipe) throws -> ChildProcessResult {
            let child = try ChildSpawner.spawnPiped(argv: argv, environment: environment, workingDirectory: workingDirectory)
            var io = ChildIO(pid: child.pid, stdinFD: stdin.isEmpty ? -1 : child.stdin, stdoutFD: child.stdout,
                             stderrFD: child.stderr, input: stdin, outputCap: outputCap)
            if stdin.isEmpty { Glibc.close(child.stdin) }
            return io.pump(deadline: deadline, wakeup: wakeup)
        }
    }

    /// A close-on-exec pipe. (Swift's Glibc module lacks pipe2; the window between pipe and
    /// fcntl only matters for a concurrent spawn, and `ChildSpawner` closes stray descriptors.)
    static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw ChildProcessError(message: "pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}
