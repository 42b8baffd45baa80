import Foundation

/// A throwaway PostgreSQL cluster in a temp directory, reached over a unix socket there only.
/// Its watchdog stops it and removes the directory when the test process ends, however it ends;
/// `stop()` does it sooner.
public final class PostgresTestCluster: Sendable {
    public let directory: String

    /// One cluster per test process, started on first use; tests isolate themselves with a
    /// database each (`makeDatabase`).
    public static func shared() async throws -> PostgresTestCluster {
        try await sharedCluster.value
    }

    private static let sharedCluster = Task { try await PostgresTestCluster() }

    /// initdb + start (about a second). Tests that stop the server get their own.
    public init() async throws {
        var template = Array("/tmp/agent-pg-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        directory = String(cString: created)
        try await Self.script("start", directory, String(getpid()))
    }

    deinit {
        try? Self.scriptNow("stop", directory)
    }

    /// A libpq URI for `database` on this cluster (as the superuser; trust auth, socket only).
    public func url(database: String) -> String {
        "postgresql:///\(database)?host=\(directory)&user=postgres"
    }

    /// The responder environment that stores on the database at `url` (a pool of three).
    public static func responderEnvironment(_ url: String) -> [String: String] {
        ["AGENT_FCGI_STORAGE_BACKEND": "postgresql", "AGENT_FCGI_STORAGE_URL": url, "AGENT_FCGI_STORAGE_POOL_SIZE": "3"]
    }

    /// psql with a database's URI; the one value the query selects.
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let binary = TestEnvironment.executable("psql") ?? "/usr/bin/psql"
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "psql")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = try ManagedProcess(binary, [url, "-tAc", sql], logPath: directory + "/out")
        guard process.waitForExit(timeout: 20) == 0 else { throw TestFailure("psql failed: \(process.log)") }
        return process.log.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A fresh, empty database with a unique name; returns its URI.
    public func makeDatabase(prefix: String = "t") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try await Self.script("createdb", directory, name)
        return url(database: name)
    }

    /// Stops the server, keeping the data: the database "goes down".
    public func pause() async throws {
        try await Self.script("pause", directory)
    }

    public func resume() async throws {
        try await Self.script("resume", directory)
    }

    public func stop() {
        try? Self.scriptNow("stop", directory)
    }

    /// Runs scripts/pg-test-cluster on a thread of its own (it blocks for up to seconds).
    private static func script(_ arguments: String...) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread { continuation.resume(with: Result { try scriptNow(arguments) }) }.start()
        }
    }

    private static func scriptNow(_ arguments: String...) throws {
        try scriptNow(arguments)
    }

    /// posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit can miss
    /// the exit when called off the main thread. Output goes to a file, shown on failure.
    private static func scriptNow(_ arguments: [String]) throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/pg-test-cluster").path
        let output = NSTemporaryDirectory() + "pg-test-cluster-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Other descriptors of ours are inherited; the script closes them before starting a
        // server that outlives it (posix_spawn has no portable close-from).
        let argv = ([script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, script, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot run \(script): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            let log = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw TestFailure("pg-test-cluster \(arguments.joined(separator: " ")) failed (status \(status)): \(log)")
        }
    }
}
