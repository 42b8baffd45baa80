import AgentCore
import ArgumentParser

/// `agent-fcgi`: the responder (`serve`, the default, so `agent-fcgi --socket …` keeps working)
/// and a terminal client for a running one (`chat`).
struct AgentFCGICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-fcgi",
        abstract: "An LLM-agent server that runs as a FastCGI responder behind nginx or lighttpd.",
        version: AgentCoreInfo.version,
        subcommands: [ServeCommand.self, ChatCommand.self],
        defaultSubcommand: ServeCommand.self)
}
