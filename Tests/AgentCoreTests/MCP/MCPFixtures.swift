import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// The MCP servers the tests talk to: mcp-server-time and mcp-server-git from PyPI, and
/// Tests/Fixtures/mcp/mcp_fixture_server.py (the official `mcp` SDK), all from ./.venv-mcp
/// (`make test` installs it with scripts/mcp-servers).
enum MCPFixtures {
    static let packageRoot = TestEnvironment.packageRoot
    static let venvBin = packageRoot.appendingPathComponent(".venv-mcp/bin").path
    static let fixture = TestEnvironment.fixture("mcp/mcp_fixture_server.py")

    static func program(_ name: String) throws -> String {
        let path = venvBin + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MCPFixtureError("\(path) is missing: run scripts/mcp-servers install (make test does)")
        }
        return path
    }

    static func context(owner: String? = nil, session: String = "s") -> ToolContext {
        ToolContext(sessionId: session, owner: owner, queryId: "q", toolCallId: UUID().uuidString)
    }

    /// The fixture over stdio.
    static func stdioSpec(_ name: String = "fx", startup: Duration = .seconds(20), call: Duration = .seconds(30),
                          outputCap: Int = 64 * 1024) throws -> MCPServerSpec {
        MCPServerSpec(name: name, transport: .stdio(argv: [try program("python"), fixture, "--transport", "stdio"],
                                                    workingDirectory: nil, environmentAllowList: ["PATH", "HOME", "LANG"],
                                                    environment: ["PYTHONUNBUFFERED": "1"]),
                      startupTimeout: startup, callTimeout: call, outputCap: outputCap)
    }

    static func httpSpec(_ name: String = "fx", port: Int, headers: [HTTPHeader] = [], startup: Duration = .seconds(10),
                         call: Duration = .seconds(30), outputCap: Int = 64 * 1024) -> MCPServerSpec {
        MCPServerSpec(name: name, transport: .http(url: "http://127.0.0.1:\(port)/mcp", headers: headers),
                      startupTimeout: startup, callTimeout: call, outputCap: outputCap)
    }

    /// Starts the server, waits for its first attempt, runs `body`, and always stops it.
    static func with<T>(_ spec: MCPServerSpec, _ body: (MCPServer) async throws -> T) async throws -> T {
        let server = MCPServer(spec: spec)
        server.start()
        await server.waitUntilSettled()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static func text(_ server: MCPServer, _ tool: String, _ arguments: JSONValue = [:], owner: String? = nil) async throws -> ToolOutput {
        try await server.call(tool: tool, arguments: arguments, context: context(owner: owner))
    }

    /// Runs blocking work (process start, pipe reads, waitpid) on a thread of its own, not the
    /// cooperative pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Polls `condition` every 50 ms for up to `timeout` seconds.
    static func eventually(timeout: Double = 20, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }
}

struct MCPFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

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
            throw MCPFixtureError("the HTTP fixture did not print its port (got \(String(decoding: line, as: UTF8.self)))")
        }
        lock.lock()
        self.process = process
        self.port = bound
        lock.unlock()
    }
}
