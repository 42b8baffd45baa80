import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// The MCP servers the tests talk to: mcp-server-time and mcp-server-git from PyPI, and
/// Tests/Fixtures/mcp/mcp_fixture_server.py (the official `mcp` SDK), all from ./.venv-mcp
/// (`make test` installs it with scripts/mcp-servers).
enum MCPFixtures {
    static let fixture = MCPFixtureProcess.script

    /// A program of ./.venv-mcp/bin; a TestFailure naming the install step when it is missing.
    static func program(_ name: String) throws -> String {
        try MCPFixtureProcess.program(name)
    }

    static func context(owner: String? = nil, session: String = "s") -> ToolContext {
        ToolContext(sessionId: session, owner: owner, queryId: "q", toolCallId: UUID().uuidString)
    }

    /// The fixture over stdio.
    static func stdioSpec(_ name: String = "fx", startup: Duration = .seconds(30), call: Duration = .seconds(30),
                          outputCap: Int = 64 * 1024) throws -> MCPServerSpec {
        MCPServerSpec(name: name, transport: .stdio(argv: [try program("python"), fixture, "--transport", "stdio"],
                                                    workingDirectory: nil, environmentAllowList: ["PATH", "HOME", "LANG"],
                                                    environment: ["PYTHONUNBUFFERED": "1"]),
                      startupTimeout: startup, callTimeout: call, outputCap: outputCap)
    }

    static func httpSpec(_ name: String = "fx", port: Int, headers: [HTTPHeader] = [], startup: Duration = .seconds(30),
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
