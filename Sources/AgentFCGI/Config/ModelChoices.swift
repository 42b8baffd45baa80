import AgentCore
import Foundation
import Yams

/// Which models clients may pick on the configured provider.
struct ModelChoices: Sendable, Hashable {
    /// `model.allowed`, with `model.name` (the default) first.
    var allowed: [String]
    /// `model.context_windows`: tokens by model name, overriding `model.context_window`.
    var contextWindows: [String: Int] = [:]

    /// The configuration of one allowed model: the provider's, with its name and context window.
    func configuration(of name: String, base: ModelSettings) -> ModelSettings {
        var configuration = base
        configuration.model = name
        if let window = contextWindows[name] { configuration.contextWindow = window == 0 ? nil : window }
        return configuration
    }
}
