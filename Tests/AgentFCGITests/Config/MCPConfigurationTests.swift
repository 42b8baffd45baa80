import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// Tools.mcp configuration.
@Suite struct MCPConfigurationTests {
    func load(_ yaml: String, environment: [String: String] = [:]) async throws -> ServiceConfiguration {
        let path = NSTemporaryDirectory() + "agent-fcgi-mcp-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await ConfigurationLoader(filePath: path, environment: environment).load()
    }

    func error(_ yaml: String) async -> ConfigurationError? {
        do {
            _ = try await load(yaml)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    /// Stdio and http servers with every field, ${VAR} filled from the environment, {remote_user} kept for per-call
    /// use.
    @Test func everyField() async throws {
        let yaml = """
            tools:
              mcp:
                git:
                  transport: stdio
                  argv: [/opt/mcp/bin/mcp-server-git, --repository, /srv/repo]
                  working_directory: /srv/repo
                  env_allow: [PATH]
                  env:
                    GIT_TOKEN: "${TOKEN}"
                    MODE: plain
                  include: [git_status, git_log]
                  exclude: [git_log]
                  prefix: repo
                  startup_timeout_seconds: 5
                  call_timeout_seconds: 2.5
                  required: true
                  output_cap_bytes: 1000
                search:
                  transport: http
                  url: https://mcp.example/mcp
                  headers: ["Authorization: Bearer ${TOKEN}", "X-User: {remote_user}"]
            """
        let servers = try await load(yaml, environment: ["TOKEN": "s3cret"]).tools.mcpServers
        #expect(servers.map(\.name) == ["git", "search"])
        let git = servers[0]
        #expect(git.transport == .stdio(argv: ["/opt/mcp/bin/mcp-server-git", "--repository", "/srv/repo"],
                                        workingDirectory: "/srv/repo", environmentAllowList: ["PATH"],
                                        environment: ["GIT_TOKEN": "s3cret", "MODE": "plain"]))
        #expect(git.include == ["git_status", "git_log"] && git.exclude == ["git_log"] && git.prefix == "repo")
        #expect(git.startupTimeout == .seconds(5) && git.callTimeout == .milliseconds(2500) && git.required && git.outputCap == 1000)
        let search = servers[1]
        #expect(search.transport == .http(url: "https://mcp.example/mcp",
                                          headers: [HTTPHeader("Authorization", "Bearer s3cret"), HTTPHeader("X-User", "{remote_user}")]))
        #expect(search.prefix == "search" && search.startupTimeout == .seconds(10) && search.callTimeout == .seconds(60))
        #expect(!search.required && search.include == nil)
    }

    /// Mistakes name the key and what to do.
    @Test func mistakes() async throws {
        let missing = await error("tools:\n  mcp:\n    x:\n      argv: [a]\n")
        #expect(missing?.key == "tools.mcp.x.transport" && missing?.reason.contains("stdio") == true, "\(String(describing: missing))")
        let wrongKind = await error("tools:\n  mcp:\n    x:\n      transport: ws\n")
        #expect(wrongKind?.reason.contains("expected stdio or http") == true)
        let noArgv = await error("tools:\n  mcp:\n    x:\n      transport: stdio\n")
        #expect(noArgv?.key == "tools.mcp.x.argv")
        let noURL = await error("tools:\n  mcp:\n    x:\n      transport: http\n      url: ftp://x\n")
        #expect(noURL?.key == "tools.mcp.x.url")
        let mixed = await error("tools:\n  mcp:\n    x:\n      transport: http\n      url: http://127.0.0.1:1/mcp\n      argv: [a]\n")
        #expect(mixed?.key == "tools.mcp.x.argv" && mixed?.reason.contains("does not apply to transport http") == true)
        let mixedEnv = await error("tools:\n  mcp:\n    x:\n      transport: http\n      url: http://127.0.0.1:1/mcp\n      env:\n        A: b\n")
        #expect(mixedEnv?.key == "tools.mcp.x.env")
        let unknown = await error("tools:\n  mcp:\n    x:\n      transport: stdio\n      argv: [a]\n      timeout_seconds: 3\n")
        #expect(unknown?.key == "tools.mcp.x.timeout_seconds" && unknown?.reason.contains("call_timeout_seconds") == true)
        let badTimeout = await error("tools:\n  mcp:\n    x:\n      transport: stdio\n      argv: [a]\n      call_timeout_seconds: 0\n")
        #expect(badTimeout?.key == "tools.mcp.x.call_timeout_seconds")
        let emptyPrefix = await error("tools:\n  mcp:\n    x:\n      transport: stdio\n      argv: [a]\n      prefix: \"\"\n")
        #expect(emptyPrefix?.key == "tools.mcp.x.prefix")
    }

    /// The environment can flip a documented field (AGENT_FCGI_TOOLS_MCP_NAME_REQUIRED).
    @Test func environmentOverride() async throws {
        let servers = try await load("tools:\n  mcp:\n    x:\n      transport: stdio\n      argv: [a]\n",
                                     environment: ["AGENT_FCGI_TOOLS_MCP_X_REQUIRED": "true"]).tools.mcpServers
        #expect(servers.first?.required == true)
    }
}
