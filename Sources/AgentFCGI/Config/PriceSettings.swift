import AgentCore
import Logging

struct PriceSettings: Sendable, Hashable {
    /// nil: the shipped table, looked for next to the config file, then in ./conf/.
    var file: String?
    var extraFile: String?
    /// Where the configuration file is, for finding the shipped table beside it.
    var configDirectory: String?
}
