import Foundation

/// Tests/Fixtures/mcp/mcp_fixture_server.py over streamable HTTP on a free loopback port, and the
/// paths of the PyPI MCP servers in ./.venv-mcp (installed by `make test`).
public final class MCPFixtureProcess: Sendable {
    public let process: ManagedProcess
    public let port: UInt16
    public let directory: String

    public static let venvBin = TestEnvironment.packageRoot.appendingPathComponent(".venv-mcp/bin").path
    public static let script = TestEnvironment.fixture("mcp/mcp_fixture_server.py")

    public static func program(_ name: String) throws -> String {
        let path = venvBin + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/mcp-servers install (make test does)")
        }
        return path
    }

    public init() throws {
        directory = try TestEnvironment.makeTemporaryDirectory(prefix: "mcp-fixture")
        process = try ManagedProcess(try Self.program("python"), [Self.script, "--transport", "http", "--port", "0"],
                                     logPath: directory + "/fixture.log")
        var found: UInt16?
        let process = self.process
        _ = TestEnvironment.waitUntil(timeout: 20) {
            let log = process.log
            if let newline = log.firstIndex(of: "\n") { found = UInt16(log[..<newline].trimmingCharacters(in: .whitespaces)) }
            return found != nil || process.poll() != nil
        }
        guard let found else {
            process.stop(gracePeriod: 1)
            throw TestFailure("the MCP fixture did not print its port; log:\n\(process.log)")
        }
        port = found
    }

    public static func start() async throws -> MCPFixtureProcess {
        try await HTTPTestClient.onThread { try MCPFixtureProcess() }
    }

    public var url: String { "http://127.0.0.1:\(port)/mcp" }

    deinit { stop() }

    public func stop() {
        process.stop(gracePeriod: 1)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
