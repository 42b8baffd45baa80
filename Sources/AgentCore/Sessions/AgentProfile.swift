import Foundation
import Synchronization

/// What a new query runs with: the agent (model, tools, limits) and the default system prompt.
/// Replaced as a whole on config reload; a running query keeps the profile it started with.
public struct AgentProfile: Sendable {
    public var runner: any QueryRunner
    public var defaultSystemPrompt: String?
    /// The models a query or session may name (`model.allowed`), the default first; empty when
    /// the runner has just the one it was made with.
    public var allowedModels: [String]
    /// Why new queries must be refused right now (a required MCP server is down), or nil.
    public var unavailableReason: @Sendable () -> String?

    public init(runner: any QueryRunner, defaultSystemPrompt: String?, allowedModels: [String] = [],
                unavailableReason: @escaping @Sendable () -> String? = { nil }) {
        self.runner = runner
        self.defaultSystemPrompt = defaultSystemPrompt
        self.allowedModels = allowedModels
        self.unavailableReason = unavailableReason
    }
}
