import AgentCore
import Logging

struct LoggingSettings: Sendable, Hashable {
    var level: Logger.Level = .info
    var format: LogFormat = .logfmt
    var file: String?
}
