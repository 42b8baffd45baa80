import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// Approval configuration.
///
/// `agent.approval.tools` and `agent.approval.timeout_seconds`: read from the file and the
/// environment, defaults, and the mistakes refused at start with the key named.
@Suite struct ApprovalConfigurationTests {
    func load(_ yaml: String?, environment: [String: String] = [:]) async throws -> ServiceConfiguration {
        let path = try yaml.map { text -> String in
            let path = NSTemporaryDirectory() + "agent-fcgi-approval-\(UUID().uuidString).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        defer { if let path { try? FileManager.default.removeItem(atPath: path) } }
        return try await ConfigurationLoader(filePath: path, environment: environment).load()
    }

    /// Nothing is gated by default; the timeout is a day.
    @Test func defaults() async throws {
        let approval = try await load(nil).agent.approval
        #expect(approval.tools.isEmpty && approval.timeout == .seconds(86_400))
    }

    /// Tools and globs from the file or the environment; 0 waits forever.
    @Test func toolsAndTimeout() async throws {
        let fromFile = try await load("agent:\n  approval:\n    tools: [calculator, \"github__*\"]\n    timeout_seconds: 0\n")
        #expect(fromFile.agent.approval.tools == ["calculator", "github__*"])
        #expect(fromFile.agent.approval.timeout == nil)
        #expect(fromFile.agent.approval.gates("github__create_issue") && !fromFile.agent.approval.gates("current_time"))
        let fromEnvironment = try await load(nil, environment: ["AGENT_FCGI_AGENT_APPROVAL_TOOLS": "a,b",
                                                                "AGENT_FCGI_AGENT_APPROVAL_TIMEOUT_SECONDS": "1.5"])
        #expect(fromEnvironment.agent.approval.tools == ["a", "b"])
        #expect(fromEnvironment.agent.approval.timeout == .milliseconds(1500))
    }

    /// A negative timeout, an empty tool name or a misspelt key stops the start naming the key.
    @Test func mistakesAreRefused() async throws {
        for (yaml, key) in [("agent:\n  approval:\n    timeout_seconds: -1\n", "agent.approval.timeout_seconds"),
                            ("agent:\n  approval:\n    tools: [\"\"]\n", "agent.approval.tools"),
                            ("agent:\n  approval:\n    tools: calculator\n", "agent.approval.tools"),
                            ("agent:\n  approval:\n    tool: [calculator]\n", "agent.approval.tool")] {
            do {
                _ = try await load(yaml)
                Issue.record("accepted \(yaml)")
            } catch {
                #expect("\(error)".contains(key), "\(yaml): \(error)")
            }
        }
    }

    /// The documented example file gates nothing and keeps the default timeout.
    @Test func exampleFile() async throws {
        let example = try String(contentsOfFile: ConfigurationLoaderTests.packageRoot.appendingPathComponent("conf/agent-fcgi.yaml").path,
                                 encoding: .utf8)
        let approval = try await load(example).agent.approval
        #expect(approval.tools.isEmpty && approval.timeout == .seconds(86_400))
    }
}
