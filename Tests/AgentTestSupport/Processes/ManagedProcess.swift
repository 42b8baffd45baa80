import Foundation
import Synchronization

/// A child process in its own process group, with stdout/stderr in files. Stopping it (explicitly
/// or in deinit) kills the whole group, so nginx's workers die with their master.
public final class ManagedProcess: Sendable {
    public let pid: pid_t
    public let name: String
    public let logPath: String
    private struct State {
        /// The code for a normal exit, 128 + signal for a killed process; nil while it runs.
        var exitCode: Int32?
        /// Reaped by `stop()`: from then on the pid is free for the kernel to give out again.
        var reaped = false
    }

    private let state = Mutex(State())

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        name = (executable as NSString).lastPathComponent
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: tests run in parallel, and a child that inherited another test's
        // client socket would keep that connection open after the test closed it (a web server
        // would never see that client go away).
        if let closeFrom = Self.addClosefrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestFailure("spawning \(executable) failed: \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        stop(gracePeriod: 2)
    }

    private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    /// glibc 2.34's posix_spawn_file_actions_addclosefrom_np, which the Glibc module does not export.
    private static let addClosefrom: AddClosefrom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(address, to: AddClosefrom.self)
    }()

    /// Signals the process, unless it has been reaped: a reaped pid may already be another
    /// process's (tests start hundreds in parallel), and a stray SIGQUIT or SIGKILL would stop
    /// some other test's responder or web server.
    public func signal(_ signal: Int32) {
        state.withLock { state in
            if !state.reaped { kill(pid, signal) }
        }
    }

    /// The exit code once the process has exited, nil while it runs. Does not reap: until
    /// `stop()` does, the pid (and the group id, which is the same number) stays ours.
    public func poll() -> Int32? {
        state.withLock { state in
            if state.exitCode == nil {
                var info = siginfo_t()
                if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid {
                    let status = info._sifields._sigchld.si_status
                    state.exitCode = info.si_code == CLD_EXITED ? status : 128 + status
                }
            }
            return state.exitCode
        }
    }

    public var isRunning: Bool { poll() == nil }

    /// Waits up to `timeout` seconds for the exit; nil if it is still running.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let code = poll() { return code }
            usleep(20_000)
        }
        return poll()
    }

    /// TERM, then KILL to the whole group after `gracePeriod`; then reaps. Idempotent.
    public func stop(gracePeriod: Double = 5) {
        if poll() == nil {
            signal(SIGTERM)
            if waitForExit(timeout: gracePeriod) == nil {
                killGroup()
                _ = waitForExit(timeout: 5)
            }
        }
        // Children that outlived their leader (nginx workers) go too. The group is killed
        // before the leader is reaped, while its id cannot belong to anyone else.
        killGroup()
        state.withLock { state in
            var status: Int32 = 0
            if !state.reaped, waitpid(pid, &status, WNOHANG) == pid { state.reaped = true }
        }
    }

    private func killGroup() {
        state.withLock { state in
            if !state.reaped { kill(-pid, SIGKILL) }
        }
    }

    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}
