import Foundation
import Testing
@testable import AgentCore

/// Real MCP servers nobody here wrote, from PyPI, over stdio: mcp-server-time and mcp-server-git.
@Suite(.serialized) struct MCPRealServerTests {
    static func timeSpec(name: String = "time", prefix: String? = nil) throws -> MCPServerSpec {
        MCPServerSpec(name: name, transport: .stdio(argv: [try MCPFixtures.program("mcp-server-time"), "--local-timezone", "UTC"],
                                                    workingDirectory: nil, environmentAllowList: ["PATH", "HOME", "LANG"],
                                                    environment: [:]),
                      prefix: prefix, startupTimeout: .seconds(20))
    }

    @Test func timeServerListsAndAnswersOverStdio() async throws {
        try await MCPFixtures.with(try Self.timeSpec()) { server in
            #expect(server.phase == .up, "\(server.status)")
            let names = Set(server.tools.map(\.name))
            #expect(names.isSuperset(of: ["get_current_time", "convert_time"]), "\(names)")
            let now = try await MCPFixtures.text(server, "get_current_time", ["timezone": "Europe/Paris"])
            #expect(!now.isError, "\(now.content)")
            // The text block already holds the structured content, so it is not repeated.
            let parsed = try JSONValue.parse(now.content)
            #expect(parsed["timezone"] == "Europe/Paris" && parsed["datetime"]?.stringValue?.contains("T") == true, "\(now.content)")
            let converted = try await MCPFixtures.text(server, "convert_time", [
                "source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"])
            #expect(!converted.isError && converted.content.contains("21:00"), "\(converted.content)")
            let wrong = try await MCPFixtures.text(server, "get_current_time", ["timezone": "Not/AZone"])
            #expect(wrong.isError, "an unknown zone is the server's error, shown to the model: \(wrong.content)")
            #expect(server.status.calls == 3 && server.status.errors == 1, "\(server.status)")
        }
    }

    @Test func theServerRunsInItsOwnProcessGroupAndIsStoppedWithTheServer() async throws {
        let server = MCPServer(spec: try Self.timeSpec())
        server.start()
        await server.waitUntilSettled()
        let pid = try #require(await server.processID)
        #expect(getpgid(pid) == pid, "a stdio server leads its own process group")
        #expect(getpgid(pid) != getpgid(getpid()))
        await server.stop()
        #expect(server.phase == .stopped)
        #expect(kill(pid, 0) != 0 && errno == ESRCH, "the server process is gone after stop")
    }

    @Test func gitServerOnATemporaryRepository() async throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-git-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: repo) }
        try "hello\n".write(toFile: repo + "/README.md", atomically: true, encoding: .utf8)
        for arguments in [["init", "-q", "-b", "main"], ["add", "README.md"],
                          ["-c", "user.name=Test", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first commit"]] {
            let status = try await MCPFixtures.offPool {
                let git = Process()
                git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
                git.arguments = ["-C", repo] + arguments
                try git.run()
                git.waitUntilExit()
                return git.terminationStatus
            }
            #expect(status == 0, "git \(arguments)")
        }
        try "changed\n".write(toFile: repo + "/README.md", atomically: true, encoding: .utf8)
        var spec = MCPServerSpec(name: "git", transport: .stdio(argv: [try MCPFixtures.program("mcp-server-git"), "--repository", repo],
                                                                workingDirectory: repo, environmentAllowList: ["PATH", "HOME"],
                                                                environment: [:]),
                                 exclude: ["git_reset", "git_commit"], startupTimeout: .seconds(20))
        spec.prefix = "repo"
        try await MCPFixtures.with(spec) { server in
            let offered = server.tools.map(\.name)
            #expect(offered.count >= 8, "a many-tool server: \(offered)")
            #expect(!offered.contains("git_reset") && !offered.contains("git_commit") && offered.contains("git_status"))
            let tools = MCPServerPool(servers: [server]).tools(reserved: [])
            #expect(tools.map(\.definition.name).contains("repo__git_status"))
            let status = try await MCPFixtures.text(server, "git_status", ["repo_path": .string(repo)])
            #expect(!status.isError && status.content.contains("README.md"), "\(status.content)")
            let log = try await MCPFixtures.text(server, "git_log", ["repo_path": .string(repo)])
            #expect(log.content.contains("first commit"), "\(log.content)")
            let diff = try await MCPFixtures.text(server, "git_diff_unstaged", ["repo_path": .string(repo)])
            #expect(diff.content.contains("+changed"), "\(diff.content)")
        }
    }

    @Test func twoServersExposingOneNameAreAConfigurationErrorNamingBoth() async throws {
        let first = MCPServer(spec: try Self.timeSpec(name: "clock"))
        let second = MCPServer(spec: try Self.timeSpec(name: "watch", prefix: "clock"))
        let pool = MCPServerPool(servers: [first, second])
        await pool.start()
        let problems = pool.collisions(reserved: [:])
        let offered = pool.tools(reserved: []).map(\.definition.name)
        await pool.stop()
        #expect(Set(offered).count == offered.count && !offered.isEmpty, "a clash found later leaves the second tool out: \(offered)")
        let clash = try #require(problems.first { $0.contains("\"clock__get_current_time\"") }, "\(problems)")
        #expect(clash.contains("tools.mcp.clock tool \"get_current_time\"") && clash.contains("tools.mcp.watch tool \"get_current_time\""))
        #expect(problems.count == Set(first.tools.map(\.name)).count, "one message per shared name: \(problems)")
        let reserved = MCPServerPool(servers: [first]).collisions(reserved: ["clock__convert_time": "tools.command.clock__convert_time"])
        #expect(reserved.contains { $0.contains("tools.command.clock__convert_time") && $0.contains("tools.mcp.clock tool \"convert_time\"") })
    }
}
