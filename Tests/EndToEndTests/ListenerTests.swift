import AgentTestSupport
import Foundation
import Testing

/// The responder's own listening socket.
@Suite struct ListenerTests {
    private func withDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    /// The unix socket is mode 0660 and belongs to --socket-group.
    @Test func socketModeAndGroup() async throws {
        try await withDirectory { directory in
            let group = try #require(getgrgid(getgid())).pointee.gr_name.map { String(cString: $0) } ?? "root"
            let responder = try ResponderProcess(directory: directory, arguments: ["--workers", "2", "--socket-group", group])
            defer { responder.stop() }
            var info = stat()
            #expect(lstat(responder.socketPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o660, "mode \(String(info.st_mode & 0o777, radix: 8))")
            #expect(info.st_gid == getgid())
        }
    }

    /// A path that is not a socket is never deleted; the responder refuses to start.
    @Test func refusesNonSocketPath() async throws {
        try await withDirectory { directory in
            let path = directory + "/precious.txt"
            try "keep me".write(toFile: path, atomically: true, encoding: .utf8)
            let process = try ManagedProcess(TestEnvironment.responderBinary, ["--socket", path], logPath: directory + "/responder.log")
            let code = process.waitForExit(timeout: 10)
            #expect(code != nil && code != 0, "exit code \(String(describing: code))")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
            #expect(process.log.contains("not a socket"), "log: \(process.log)")
        }
    }

    /// A stale socket left by a dead responder is replaced.
    @Test func replacesStaleSocket() async throws {
        try await withDirectory { directory in
            let first = try ResponderProcess(directory: directory, arguments: ["--workers", "1"])
            first.process.signal(SIGKILL)
            _ = first.process.waitForExit(timeout: 5)
            #expect(FileManager.default.fileExists(atPath: first.socketPath), "kill -9 leaves the socket file behind")
            let second = try ResponderProcess(directory: directory, arguments: ["--workers", "1"])
            defer { second.stop() }
            #expect(second.process.isRunning)
        }
    }

    /// A socket another live responder listens on is not stolen.
    @Test func refusesLiveSocket() async throws {
        try await withDirectory { directory in
            let first = try ResponderProcess(directory: directory, arguments: ["--workers", "1"])
            defer { first.stop() }
            let second = try ManagedProcess(TestEnvironment.responderBinary, ["--socket", first.socketPath],
                                            logPath: directory + "/second.log")
            #expect(second.waitForExit(timeout: 10) == 1, "log: \(second.log)")
            #expect(TestEnvironment.canConnect(unixSocket: first.socketPath))
        }
    }
}
