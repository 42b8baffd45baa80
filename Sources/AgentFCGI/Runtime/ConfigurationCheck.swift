import AgentCore
import ArgumentParser
import Foundation
import Logging

/// `agent-fcgi --check-config`: builds everything a start would build, without listening.
enum ConfigurationCheck {
    static func run(_ configuration: ServiceConfiguration) throws {
        // MCP servers are started as a real start would, so their tools and name clashes show.
        let mcp = MCPServerPool.make(configuration.tools.mcpServers)
        try? blockingAwait { await mcp.start() }
        defer { try? blockingAwait { await mcp.stop() } }
        do {
            let profile = try AgentAssembly.makeProfile(configuration, mcp: mcp, logger: Logger(label: "agent-fcgi.check"))
            let tools = profile.runner.toolDefinitions.map(\.name).joined(separator: ", ")
            let servers = mcp.statuses.map { "\($0.name) \($0.state)" + ($0.lastError.map { " (\($0))" } ?? "") }
            print("""
                configuration OK (\(configuration.source))
                  listener: \(configuration.responder.listener)
                  workers: \(configuration.responder.workers)
                  model: \(configuration.model)
                  models clients may choose: \(configuration.modelChoices.allowed.joined(separator: ", "))
                  tools: \(tools)
                  mcp servers: \(servers.isEmpty ? "none" : servers.joined(separator: ", "))
                  sessions: max \(configuration.sessions.maxSessions) in memory, \
                \(configuration.sessions.concurrencyPolicy.rawValue) policy, on disconnect \(configuration.sessions.onDisconnect.rawValue)
                  storage: \(configuration.storage.backend.rawValue) \(configuration.storage.location)
                """)
        } catch {
            FileHandle.standardError.write(Data("agent-fcgi: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
