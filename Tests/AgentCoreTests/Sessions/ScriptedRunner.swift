import Foundation
import Synchronization
@testable import AgentCore

/// A QueryRunner for session tests: answers "echo: <message>" after an optional pause, one
/// checkpoint per query, and honours cancellation like the real agent does.
final class ScriptedRunner: QueryRunner {
    let pause: Duration
    /// Marks its one checkpoint as the run's last (`QueryCheckpoint.endsRun`), as the agent's answer step is.
    let endsRun: Bool
    let started = Atomic<Int>(0)
    let cancelled = Atomic<Int>(0)
    private let seenHistories = Mutex<[[ChatMessage]]>([])
    private let seenContexts = Mutex<[QueryContext]>([])

    init(pause: Duration = .zero, endsRun: Bool = false) {
        self.pause = pause
        self.endsRun = endsRun
    }

    var toolDefinitions: [ToolDefinition] { [] }

    var histories: [[ChatMessage]] { seenHistories.withLock { $0 } }
    var contexts: [QueryContext] { seenContexts.withLock { $0 } }

    func run(context: QueryContext, history: [ChatMessage], input: QueryInput, usage: SessionUsage,
             emit: @escaping @Sendable (AgentEvent) async -> Void,
             checkpoint: @escaping @Sendable (QueryCheckpoint) async throws -> Void) async -> QueryOutcome {
        started.add(1, ordering: .relaxed)
        seenHistories.withLock { $0.append(history) }
        seenContexts.withLock { $0.append(context) }
        var messages = history + [input.message]
        var usage = usage
        var model = usage.byModel["scripted", default: ModelUsage(model: "scripted")]
        model.promptTokens += 10
        model.completionTokens += 2
        model.invocations += 1
        usage.byModel["scripted"] = model
        await emit(.textDelta(delta: "echo: "))
        do {
            try await Task.sleep(for: pause)
        } catch {
            cancelled.add(1, ordering: .relaxed)
            messages.append(.assistant("echo: "))
            let terminal = AgentEvent.final(content: "echo: ", status: .cancelled)
            await emit(terminal)
            return QueryOutcome(history: messages, usage: usage, terminal: terminal)
        }
        let userMessage = input.message.content
        let answer = "echo: \(userMessage)"
        await emit(.textDelta(delta: userMessage))
        messages.append(.assistant(answer))
        do {
            try await checkpoint(QueryCheckpoint(history: messages, usage: usage, endsRun: endsRun))
        } catch {
            let terminal = AgentEvent.error(message: "store failed: \(error)", code: .internalError)
            await emit(terminal)
            return QueryOutcome(history: messages, usage: usage, terminal: terminal)
        }
        await emit(.text(content: answer))
        let terminal = AgentEvent.final(content: answer, status: .completed)
        await emit(terminal)
        return QueryOutcome(history: messages, usage: usage, terminal: terminal)
    }
}

func collect(_ subscription: QuerySubscription) async -> [StampedEvent] {
    var events: [StampedEvent] = []
    for await event in subscription.events { events.append(event) }
    return events
}

func sessionSettings(_ configure: (inout SessionSettings) -> Void = { _ in }) -> SessionSettings {
    var settings = SessionSettings()
    configure(&settings)
    return settings
}
