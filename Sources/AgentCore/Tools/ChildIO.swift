import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The poll loop of one child process: writes stdin, reads stdout (up to the cap) and the tail of
/// stderr, and kills the process group on deadline, cancellation or output overflow.
/// Runs on the child's dedicated thread.
struct ChildIO {
    let pid: pid_t
    var stdinFD: Int32
    var stdoutFD: Int32
    var stderrFD: Int32
    let input: [UInt8]
    let outputCap: Int
    private var written = 0
    private var result = ChildProcessResult(exitStatus: nil, signal: nil, stdout: [], stderr: [], stdoutTruncated: false,
                                            timedOut: false, cancelled: false)
    private var killed = false

    init(pid: pid_t, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, input: [UInt8], outputCap: Int) {
        self.pid = pid
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.input = input
        self.outputCap = outputCap
        if stdinFD >= 0 { _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK) }
    }

    @available(*, noasync, message: "polls and waits for the child; run it on the child's own thread")
    mutating func pump(deadline: ContinuousClock.Instant, wakeup: ChildProcess.WakeupPipe) -> ChildProcessResult {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while stdoutFD >= 0 || stderrFD >= 0 || stdinFD >= 0 {
            var fds: [pollfd] = [pollfd(fd: wakeup.readFD, events: Int16(POLLIN), revents: 0)]
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), ContinuousClock.now.duration(to: deadline).pollMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            if fds[0].revents != 0 || wakeup.isSignalled {
                result.cancelled = true
                break
            }
            if ContinuousClock.now >= deadline {
                result.timedOut = true
                break
            }
            for entry in fds.dropFirst() where entry.revents != 0 {
                if entry.fd == stdinFD {
                    writeInput()
                } else if entry.fd == stdoutFD {
                    readOutput(into: &buffer)
                } else if entry.fd == stderrFD {
                    readError(into: &buffer)
                }
            }
            if result.stdoutTruncated { break }
        }
        if result.cancelled || result.timedOut || result.stdoutTruncated { killGroup() }
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { Glibc.close(fd) }
        reap(deadline: deadline, wakeup: wakeup)
        return result
    }

    private mutating func writeInput() {
        let count = input[written...].withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
        if count > 0 { written += count }
        // EPIPE (the child closed stdin) or all sent: either way stdin is finished.
        if written >= input.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
            Glibc.close(stdinFD)
            stdinFD = -1
        }
    }

    private mutating func readOutput(into buffer: inout [UInt8]) {
        let count = Glibc.read(stdoutFD, &buffer, buffer.count)
        if count > 0 {
            let room = outputCap - result.stdout.count
            result.stdout.append(contentsOf: buffer[0..<min(count, room)])
            if count > room { result.stdoutTruncated = true }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            Glibc.close(stdoutFD)
            stdoutFD = -1
        }
    }

    private mutating func readError(into buffer: inout [UInt8]) {
        let count = Glibc.read(stderrFD, &buffer, buffer.count)
        if count > 0 {
            result.stderr.append(contentsOf: buffer[0..<count])
            if result.stderr.count > ChildProcess.stderrTail {
                result.stderr.removeFirst(result.stderr.count - ChildProcess.stderrTail)
            }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            Glibc.close(stderrFD)
            stderrFD = -1
        }
    }

    private mutating func killGroup() {
        if !killed {
            killed = true
            _ = Glibc.kill(-pid, SIGKILL)
        }
    }

    /// Waits for the child itself; the pipes may have closed while it still runs, so the
    /// deadline and cancellation still apply here.
    private mutating func reap(deadline: ContinuousClock.Instant, wakeup: ChildProcess.WakeupPipe) {
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, killed ? 0 : WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return }
            if done == 0 {
                var wake = pollfd(fd: wakeup.readFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&wake, 1, min(20, ContinuousClock.now.duration(to: deadline).pollMilliseconds))
                if wake.revents != 0 || wakeup.isSignalled {
                    result.cancelled = true
                    killGroup()
                } else if ContinuousClock.now >= deadline {
                    result.timedOut = true
                    killGroup()
                }
            }
        }
        // Decode the wait status by hand: WIFEXITED and friends are macros Swift cannot see.
        let signal = status & 0x7f
        if signal == 0 {
            result.exitStatus = (status >> 8) & 0xff
        } else {
            result.signal = signal
        }
    }
}
