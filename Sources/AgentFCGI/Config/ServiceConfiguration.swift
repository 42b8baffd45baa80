import AgentCore
import Logging

/// Everything the process runs with, resolved from flags, environment, file and defaults.
struct ServiceConfiguration: Sendable {
    var responder: ResponderSettings
    var model: ModelConfiguration
    var modelChoices: ModelChoices
    var agent: AgentSettings
    var systemPrompt: String?
    var tools: ToolsConfiguration
    var sessions: SessionSettings
    var storage: StorageSettings
    var prices: PriceSettings
    var logging: LoggingSettings
    /// The file it came from, for logs and errors ("no file" when none).
    var source: String
}

struct ToolsConfiguration: Sendable, Hashable {
    var builtIns: [String] = ["calculator", "current_time"]
    var commandTools: [CommandToolSpec] = []
    var httpTools: [HTTPToolSpec] = []
    var mcpServers: [MCPServerSpec] = []
}

struct PriceSettings: Sendable, Hashable {
    /// nil: the shipped table, looked for next to the config file, then in ./conf/.
    var file: String?
    var extraFile: String?
    /// Where the configuration file is, for finding the shipped table beside it.
    var configDirectory: String?
}

struct LoggingSettings: Sendable, Hashable {
    var level: Logger.Level = .info
    var format: LogFormat = .logfmt
    var file: String?
}
