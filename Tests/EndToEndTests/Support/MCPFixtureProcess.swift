import Foundation

/// Tests/Fixtures/mcp/mcp_fixture_server.py over streamable HTTP on a free loopback port, and the
/// paths of the PyPI MCP servers in ./.venv-mcp (installed by `make test`).
final class MCPFixtureProcess: Sendable {
    let process: ManagedProcess
    let port: UInt16
    let directory: String

    static let venvBin = TestEnvironment.packageRoot.appendingPathComponent(".venv-mcp/bin").path
    static let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/mcp/mcp_fixture_server.py").path

    static func program(_ name: String) throws -> String {
        let path = venvBin + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/mcp-servers install (make test does)")
        }
        return path
    }

    init() throws {
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

    static func start() async throws -> MCPFixtureProcess {
        try await HTTPTestClient.onThread { try MCPFixtureProcess() }
    }

    var url: String { "http://127.0.0.1:\(port)/mcp" }

    deinit { stop() }

    func stop() {
        process.stop(gracePeriod: 1)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
