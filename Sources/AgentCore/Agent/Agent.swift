import Foundation
import Logging
import Synchronization

/// The agent loop behind every session: calls the model with the tools, streams its events,
/// runs tool calls, and keeps the history valid however a query ends.
///
/// Threading: a value type, shared by all sessions; each `run` is one query in the caller's task
/// (its tool calls in child tasks). Nothing here blocks a thread.
public struct Agent: QueryRunner {
    /// The default model.
    public let model: any ChatModel
    /// Every model a query may choose by name (`model.allowed`), the default first.
    public let modelNames: [String]
    private let models: [String: any ChatModel]
    public let tools: ToolRegistry
    public let settings: AgentSettings
    public let prices: PriceTable
    let logger: Logger

    /// `alternatives` are the other models a query may name; each is known by its `modelName`.
    public init(model: any ChatModel, tools: ToolRegistry = .builtIn(), settings: AgentSettings = AgentSettings(),
                prices: PriceTable = .empty, logger: Logger = Logger(label: "agent-fcgi.agent"),
                alternatives: [any ChatModel] = []) {
        self.model = model
        var names = [model.modelName]
        var models = [model.modelName: model]
        for alternative in alternatives where models[alternative.modelName] == nil {
            names.append(alternative.modelName)
            models[alternative.modelName] = alternative
        }
        self.modelNames = names
        self.models = models
        self.tools = tools
        self.settings = settings
        self.prices = prices
        self.logger = logger
    }

    /// The registry's tools, plus `done` when `requireDoneTool` is on (unless the operator
    /// registered their own tool by that name).
    var offeredTools: [any Tool] {
        let current = tools.current
        if settings.requireDoneTool, !current.contains(where: { $0.definition.name == DoneTool.name }) {
            return current + [DoneTool()]
        }
        return current
    }

    public var toolDefinitions: [ToolDefinition] { offeredTools.map(\.definition) }

    public var toolListing: [ToolListing] {
        offeredTools.map { ToolListing(definition: $0.definition, server: ($0 as? MCPTool)?.server.name) }
    }

    /// The model a query asked for; the default when it names none, or one no longer allowed
    /// (a reload removed it while the session kept it as its default).
    func model(named name: String?, sessionId: String) -> any ChatModel {
        guard let name else { return model }
        if let chosen = models[name] { return chosen }
        logger.warning("model not allowed any more; the query uses the default", metadata: [
            "session_id": "\(sessionId)", "model": "\(name)", "default": "\(model.modelName)"])
        return model
    }

    public func run(
        context: QueryContext,
        history: [ChatMessage],
        input: QueryInput,
        usage: SessionUsage,
        emit: @escaping @Sendable (AgentEvent) async -> Void,
        checkpoint: @escaping @Sendable (QueryCheckpoint) async throws -> Void
    ) async -> QueryOutcome {
        // The query deadline cancels the loop like a client cancel would; the flag tells the
        // loop to report it as `error{code:"timeout"}` instead of `final{status:"cancelled"}`.
        let deadline = DeadlineFlag()
        return await withTaskGroup(of: QueryOutcome?.self) { group in
            group.addTask {
                let run = AgentRun(agent: self, context: context, options: input.options, history: history, usage: usage,
                                   emit: emit, checkpoint: checkpoint, timedOut: { deadline.passed })
                if let decisions = input.decisions { return await run.execute(decisions: decisions) }
                return await run.execute(userMessage: input.message)
            }
            if let limit = settings.queryTimeout {
                group.addTask {
                    guard (try? await CancellableSleep.sleep(for: limit)) != nil else { return nil }
                    deadline.pass()
                    return nil
                }
            }
            var outcome: QueryOutcome?
            for await value in group {
                if let value {
                    outcome = value
                }
                // Either the run ended (stop the timer) or the deadline passed (stop the run).
                group.cancelAll()
            }
            return outcome!
        }
    }
}

/// Set once when a query's deadline passes.
final class DeadlineFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var passed: Bool { value.load(ordering: .acquiring) }

    func pass() { value.store(true, ordering: .releasing) }
}
