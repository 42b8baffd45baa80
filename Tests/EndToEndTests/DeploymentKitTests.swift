import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Deployment kit: the guide quotes the tested configs; the systemd unit verifies.
@Suite struct DeploymentKitTests {
    static let guidePath = "docs/DEPLOYMENT.md"

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The fenced block between `<!-- BEGIN <file> … -->` and `<!-- END <file> -->` in the guide.
    static func quotedBlock(of file: String, in guide: String) throws -> String {
        guard let begin = guide.range(of: "<!-- BEGIN \(file)"), let end = guide.range(of: "<!-- END \(file) -->") else {
            throw TestFailure("\(guidePath) has no BEGIN/END markers for \(file)")
        }
        let between = guide[begin.upperBound..<end.lowerBound]
        guard let open = between.range(of: "\n```"), let openLineEnd = between[open.upperBound...].firstIndex(of: "\n"),
              let close = between.range(of: "```\n", options: .backwards), close.lowerBound > openLineEnd else {
            throw TestFailure("\(guidePath): the \(file) block is not one fenced code block")
        }
        return String(between[between.index(after: openLineEnd)..<close.lowerBound])
    }

    /// The guide's nginx and lighttpd blocks are exactly the conf files the end-to-end tests run.
    @Test(
          arguments: ["conf/nginx-fastcgi.conf", "conf/lighttpd.conf"])
    func guideQuotesTheTestedConfig(file: String) throws {
        let quoted = try Self.quotedBlock(of: file, in: try Self.read(Self.guidePath))
        let actual = try Self.read(file)
        #expect(quoted == actual, "\(Self.guidePath) quotes an outdated \(file); paste the file between its markers again")
    }

    /// The harness serves tests with conf/nginx-fastcgi.conf itself, placeholders filled and nothing else changed.
    @Test func harnessUsesTheConfFile() throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        let used = try String(contentsOfFile: stack.directory + "/nginx-fastcgi.conf", encoding: .utf8)
        let expected = try Self.read("conf/nginx-fastcgi.conf")
            .replacingOccurrences(of: "@PORT@", with: String(stack.webServer.port))
            .replacingOccurrences(of: "@SOCKET@", with: stack.responder.socketPath)
            .replacingOccurrences(of: "@WEBROOT@", with: TestEnvironment.packageRoot.appendingPathComponent("web").path)
        #expect(used == expected)
    }

    /// Conf/agent-fcgi.service passes systemd-analyze verify without a warning.
    @Test(
          .enabled(if: TestEnvironment.executable("systemd-analyze") != nil,
                   "systemd-analyze is not installed (apt-get install systemd); the unit was not verified"))
    func systemdUnitVerifies() throws {
        let analyze = try #require(TestEnvironment.executable("systemd-analyze"))
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-unit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // verify insists that ExecStart's program exists: point it at the binary under test.
        // Everything else is the shipped file as it is.
        let unit = try Self.read("conf/agent-fcgi.service")
        #expect(unit.contains("ExecStart=/usr/local/bin/agent-fcgi "))
        let path = directory + "/agent-fcgi.service"
        try unit.replacingOccurrences(of: "/usr/local/bin/agent-fcgi", with: TestEnvironment.responderBinary)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let process = try ManagedProcess(analyze, ["verify", path], logPath: directory + "/verify.log")
        let code = process.waitForExit(timeout: 60)
        let output = process.log
        #expect(code == 0, "systemd-analyze verify exited \(String(describing: code)):\n\(output)")
        #expect(!output.contains("agent-fcgi.service"), "systemd-analyze verify complained:\n\(output)")
    }

    /// Agent-fcgi --version prints the version and --help lists the flags.
    @Test func versionAndHelp() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let version = try ManagedProcess(TestEnvironment.responderBinary, ["--version"], logPath: directory + "/version.log")
        #expect(version.waitForExit(timeout: 30) == 0)
        #expect(version.log.trimmingCharacters(in: .whitespacesAndNewlines) == AgentCoreInfo.version)
        let help = try ManagedProcess(TestEnvironment.responderBinary, ["--help"], logPath: directory + "/help.log")
        #expect(help.waitForExit(timeout: 30) == 0)
        for flag in ["--config", "--check-config", "--migrate", "--socket", "--socket-group", "--workers", "--base-path",
                     "--slow-request-seconds", "--log-level", "--version", "--help"] {
            #expect(help.log.contains(flag), "--help lacks \(flag):\n\(help.log)")
        }
    }
}
