import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn with the settings a tool process needs: its own process group (so a timeout can
/// kill everything it started), stdio on our pipes, no inherited descriptors, default signal
/// dispositions and an empty signal mask (the server blocks TERM/INT/… in every thread for its
/// signal thread, and a child must not inherit that).
///
/// Runs on the child's dedicated thread (see `ChildProcess`), never on the cooperative pool.
enum ChildSpawner {
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                 UnsafePointer<CChar>?) -> Int32
    private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    // glibc has these (2.29 and 2.34), but Swift's Glibc module does not export the `_np`
    // declarations, so they are looked up once at run time.
    private static let addChdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np")
    private static let addClosefrom: AddClosefrom? = lookup("posix_spawn_file_actions_addclosefrom_np")

    private static func lookup<T>(_ symbol: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, symbol) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }

    /// Our ends of a child spawned with three fresh pipes.
    struct PipedChild {
        var pid: pid_t
        /// The child's stdin (we write), stdout and stderr (we read).
        var stdin: Int32
        var stdout: Int32
        var stderr: Int32
    }

    /// Spawns `argv` with its stdin, stdout and stderr on new pipes and closes the child's ends
    /// here. SIGPIPE is blocked on the calling thread first: writing to a child that already
    /// exited must fail with EPIPE, not kill the process. The calling thread is the child's own.
    @available(*, noasync, message: "spawns and blocks signals on the calling thread: the child's own thread only")
    static func spawnPiped(argv: [String], environment: [String], workingDirectory: String?) throws -> PipedChild {
        var blockPipe = sigset_t()
        sigemptyset(&blockPipe)
        sigaddset(&blockPipe, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blockPipe, nil)
        var pipes: [(read: Int32, write: Int32)] = []
        let pid: pid_t
        do {
            for _ in 0..<3 { pipes.append(try ChildProcess.makePipe()) }
            pid = try spawn(argv: argv, environment: environment, workingDirectory: workingDirectory,
                            stdin: pipes[0].read, stdout: pipes[1].write, stderr: pipes[2].write)
        } catch {
            for pipe in pipes {
                close(pipe.read)
                close(pipe.write)
            }
            throw error
        }
        close(pipes[0].read)
        close(pipes[1].write)
        close(pipes[2].write)
        return PipedChild(pid: pid, stdin: pipes[0].write, stdout: pipes[1].read, stderr: pipes[2].read)
    }

    static func spawn(argv: [String], environment: [String], workingDirectory: String?,
                      stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let addClosefrom { _ = addClosefrom(&actions, 3) }
        if let workingDirectory {
            guard let addChdir else {
                throw ChildProcessError(message: "this C library cannot set a working directory for posix_spawn")
            }
            let status = addChdir(&actions, workingDirectory)
            guard status == 0 else {
                throw ChildProcessError(message: "working directory \(workingDirectory): \(String(cString: strerror(status)))")
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        // posix_spawnp searches the server's PATH when argv[0] has no slash.
        let status = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        guard status == 0 else {
            throw ChildProcessError(message: "cannot start \(argv[0]): \(String(cString: strerror(status)))")
        }
        return pid
    }
}
