import Foundation

/// The agent-fcgi binary under test, listening on a unix socket in `directory`.
public final class ResponderProcess: Sendable {
    public let process: ManagedProcess
    public let socketPath: String

    /// `arguments` are added after `--socket` and `--storage-path` (the store lives in `directory`
    /// unless `arguments` name another); `environment` is merged into ours.
    public init(directory: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        socketPath = directory + "/agent.sock"
        let storage = arguments.contains("--storage-path") ? [] : ["--storage-path", directory + "/agent.sqlite"]
        let binary = TestEnvironment.responderBinary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("responder binary missing at \(binary): build first (swift build) or set AGENT_FCGI_BIN")
        }
        process = try ManagedProcess(binary, ["--socket", socketPath] + storage + arguments, environment: environment,
                                     logPath: directory + "/responder.log")
        let socketPath = self.socketPath
        let process = self.process
        guard TestEnvironment.waitUntil(timeout: 15, { TestEnvironment.canConnect(unixSocket: socketPath) || !process.isRunning }),
              process.isRunning else {
            process.stop()
            throw TestFailure("responder did not start listening on \(socketPath); log:\n\(process.log)")
        }
    }

    /// How many of its threads have a name (as the kernel keeps it, 15 bytes) starting with `prefix`.
    public func threadCount(named prefix: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/task")) ?? []
        return tasks.count { task in
            let name = (try? String(contentsOfFile: "/proc/\(process.pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix(prefix)
        }
    }

    public func stop() {
        process.stop(gracePeriod: 5)
    }
}
