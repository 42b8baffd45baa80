import AgentTestSupport
import Foundation
@testable import AgentCore

/// The fixture over streamable HTTP as a separate process on a loopback port; `kill` and
/// `restart` (same port) play a server that crashes and comes back. Killed on deinit.
final class HTTPFixtureServer: @unchecked Sendable {
    private var process: Process?
    private(set) var port: Int = 0
    let jsonResponse: Bool
    private let lock = NSLock()

    private init(jsonResponse: Bool) {
        self.jsonResponse = jsonResponse
    }

    static func start(jsonResponse: Bool = false) async throws -> HTTPFixtureServer {
        let server = HTTPFixtureServer(jsonResponse: jsonResponse)
        try await MCPFixtures.offPool { try server.launch(port: 0) }
        return server
    }

    deinit { kill() }

    /// SIGKILL, as a crash would; waits until it is gone (blocking: call through `crash()`, or at the end).
    func kill() {
        lock.lock()
        let running = process
        process = nil
        lock.unlock()
        guard let running, running.isRunning else { return }
        Foundation.kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
    }

    func restart() async throws {
        try await MCPFixtures.offPool {
            self.kill()
            try self.launch(port: self.port)
        }
    }

    func crash() async throws {
        try await MCPFixtures.offPool { self.kill() }
    }

    private func launch(port wanted: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try MCPFixtures.program("python"))
        process.arguments = [MCPFixtures.fixture, "--transport", "http", "--port", "\(wanted)"] + (jsonResponse ? ["--json-response"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port; read it byte by byte so nothing after it is consumed.
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 0x0A { line.append(byte) }
        guard let bound = Int(String(decoding: line, as: UTF8.self)) else {
            Foundation.kill(process.processIdentifier, SIGKILL)
            throw TestFailure("the HTTP fixture did not print its port (got \(String(decoding: line, as: UTF8.self)))")
        }
        lock.lock()
        self.process = process
        self.port = bound
        lock.unlock()
    }
}
