import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct CommandToolTests {
    static let script = TestEnvironment.fixture("tools/fixture-tool.sh")
    static let context = ToolContext(sessionId: "s", owner: nil, queryId: "q", toolCallId: "call-1")

    static func tool(_ mode: [String], timeout: Duration = .seconds(10), outputCap: Int = 64 * 1024,
                     workingDirectory: String? = nil, environment: [String: String] = [:],
                     serverEnvironment: [String: String] = ["PATH": "/usr/bin:/bin"]) throws -> CommandTool {
        try CommandTool(spec: CommandToolSpec(name: "fixture", description: "test fixture", argv: [script] + mode,
                                              workingDirectory: workingDirectory,
                                              environmentAllowList: ["PATH", "ALLOWED_VAR"], environment: environment,
                                              timeout: timeout, outputCap: outputCap),
                        serverEnvironment: serverEnvironment)
    }

    @Test func argumentsGoInOnStdinAndStdoutIsTheResult() async throws {
        let output = try await Self.tool(["echo"]).call(arguments: ["city": "Paris"], context: Self.context)
        #expect(output == ToolOutput(content: "stdin: {\"city\":\"Paris\"}\n"))
    }

    @Test func nonZeroExitIsAnErrorWithStatusAndStderr() async throws {
        let output = try await Self.tool(["fail"]).call(arguments: [:], context: Self.context)
        #expect(output.isError)
        #expect(output.content.hasPrefix("command exited with status 3"))
        #expect(output.content.contains("stderr: something broke"))
    }

    @Test func environmentIsAllowListedAndWorkingDirectoryIsSet() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cmdtool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tool = try Self.tool(["env"], workingDirectory: directory.path, environment: ["FIXED_VAR": "f"],
                                 serverEnvironment: ["PATH": "/usr/bin:/bin", "ALLOWED_VAR": "a", "SECRET_VAR": "s"])
        let output = try await tool.call(arguments: [:], context: Self.context)
        let resolved = directory.resolvingSymlinksInPath().path
        #expect(output.content == "pwd=\(resolved) allowed=a secret=unset fixed=f\n")
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("cmdtool-\(UUID().uuidString).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let output = try await Self.tool(["sleep", pidFile.path], timeout: .milliseconds(500))
            .call(arguments: [:], context: Self.context)
        #expect(output.isError)
        #expect(output.content.hasPrefix("command timed out after 0.5s"))
        let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await Self.isGone(pid), "the grandchild sleep \(pid) survived")
    }

    @Test func cancellationKillsTheProcess() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("cmdtool-\(UUID().uuidString).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let tool = try Self.tool(["sleep", pidFile.path], timeout: .seconds(60))
        let task = Task { try await tool.call(arguments: [:], context: Self.context) }
        while (try? String(contentsOf: pidFile, encoding: .utf8))?.hasSuffix("\n") != true {
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await Self.isGone(pid))
    }

    @Test func outputPastTheCapIsCutAndTheCommandStopped() async throws {
        let output = try await Self.tool(["flood"], outputCap: 1000).call(arguments: [:], context: Self.context)
        #expect(!output.isError)
        #expect(output.content.utf8.count < 1100)
        #expect(output.content.hasSuffix("[output cut at 1000 bytes; the command was stopped]"))
    }

    @Test func aProgramThatIgnoresStdinStillWorks() async throws {
        let big = JSONValue.object(["blob": .string(String(repeating: "y", count: 1_000_000))])
        let output = try await Self.tool(["ignore-stdin"]).call(arguments: big, context: Self.context)
        #expect(output == ToolOutput(content: "did not read stdin\n"))
    }

    @Test func missingProgramIsAnError() async throws {
        let tool = try CommandTool(spec: CommandToolSpec(name: "missing", description: "", argv: ["/nonexistent/program"]))
        await #expect(throws: ChildProcessError.self) { try await tool.call(arguments: [:], context: Self.context) }
    }

    @Test func emptyArgvIsRejectedAtConfiguration() {
        #expect(throws: ToolRegistryError.self) { try CommandTool(spec: CommandToolSpec(name: "x", description: "", argv: [])) }
    }

    /// Dead or a zombie (a container's init may not reap orphans at once).
    static func isGone(_ pid: Int32) async -> Bool {
        for _ in 0..<200 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
