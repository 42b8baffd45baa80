import Foundation

/// How an `Agent` runs its loop. Every default is safe for a production server. Failed model
/// calls are retried by the model client (`RetryingChatModel`), not here.
public struct AgentSettings: Sendable, Hashable {
    /// Model calls with tools per query before the agent stops and asks for a summary. Default 50.
    public var maxIterations: Int
    /// Offer a `done` tool and require tool calls each turn; calling `done` ends the query with
    /// its message. Default false (a turn without tool calls ends the query).
    public var requireDoneTool: Bool
    /// Tool calls of one turn that run at the same time. Default 4.
    public var maxConcurrentTools: Int
    /// Deadline of a tool call whose tool sets none. Default 60 s.
    public var defaultToolTimeout: Duration
    /// Deadline of a whole query; past it the query ends with `error{code:"timeout"}`. Default none.
    public var queryTimeout: Duration?
    public var compaction: CompactionSettings
    /// Per-session limit on tokens and cost. Default unlimited.
    public var budget: Budget
    /// Sampling options sent with every call.
    public var chatOptions: ChatOptions
    /// Tool calls that wait for a person's decision. Default: none.
    public var approval: ApprovalSettings = ApprovalSettings()

    public init(maxIterations: Int = 50, requireDoneTool: Bool = false, maxConcurrentTools: Int = 4,
                defaultToolTimeout: Duration = .seconds(60), queryTimeout: Duration? = nil,
                compaction: CompactionSettings = CompactionSettings(),
                budget: Budget = .unlimited, chatOptions: ChatOptions = ChatOptions()) {
        self.maxIterations = maxIterations
        self.requireDoneTool = requireDoneTool
        self.maxConcurrentTools = maxConcurrentTools
        self.defaultToolTimeout = defaultToolTimeout
        self.queryTimeout = queryTimeout
        self.compaction = compaction
        self.budget = budget
        self.chatOptions = chatOptions
    }
}
