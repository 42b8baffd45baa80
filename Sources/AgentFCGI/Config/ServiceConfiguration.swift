import AgentCore
import Logging

/// Everything the process runs with, resolved from flags, environment, file and defaults.
struct ServiceConfiguration: Sendable {
    var responder: ResponderSettings
    var model: ModelSettings
    var modelChoices: ModelChoices
    var agent: AgentSettings
    var systemPrompt: String?
    var tools: ToolSettings
    var sessions: SessionSettings
    var storage: StorageSettings
    var prices: PriceSettings
    var logging: LoggingSettings
    /// The file it came from, for logs and errors ("no file" when none).
    var source: String
}
