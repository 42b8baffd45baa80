import Foundation
import Synchronization
import Testing
@testable import AgentCore

/// Runs an agent as a session would and checks what it emitted.
enum AgentHarness {
    static let context = QueryContext(sessionId: "session-1", owner: "alice", queryId: "query-1")

    static func run(_ agent: Agent, history: [ChatMessage] = [.system("You are helpful.")], message: String = "hi",
                    usage: SessionUsage = SessionUsage(), recorder: RunRecorder = RunRecorder()) async -> QueryOutcome {
        await agent.run(context: context, history: history, input: QueryInput(text: message), usage: usage,
                        emit: { recorder.emit($0) }, checkpoint: { try recorder.checkpoint($0) })
    }

    /// Starts a run, waits for the recorder's trigger, cancels the run.
    static func runAndCancel(_ agent: Agent, recorder: RunRecorder, message: String = "hi") async -> QueryOutcome {
        let task = Task { await run(agent, message: message, recorder: recorder) }
        await recorder.waitForTrigger()
        task.cancel()
        return await task.value
    }

    /// The API.md §1.2 rules every run must keep, whatever ended it.
    static func expectWellFormed(_ events: [AgentEvent], _ outcome: QueryOutcome,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let terminals = events.filter(\.isTerminal)
        #expect(terminals.count == 1, "exactly one final/error, got \(terminals.map(\.type))", sourceLocation: sourceLocation)
        #expect(events.last == outcome.terminal, "the terminal event is last", sourceLocation: sourceLocation)
        #expect(!events.contains { $0.type == "usage" }, "the agent never emits usage", sourceLocation: sourceLocation)
        // Tool events come in groups of four per call, with 1-based step numbers counted across the query.
        var expectedStep = 1
        var index = 0
        while index < events.count {
            if case .stepStart(let id, let title, let number) = events[index] {
                #expect(number == expectedStep, "step number \(number), expected \(expectedStep)", sourceLocation: sourceLocation)
                expectedStep += 1
                let group = Array(events[index..<min(index + 4, events.count)])
                #expect(group.map(\.type) == ["step_start", "tool_call", "tool_result", "step_complete"],
                        "events of call \(id): \(group.map(\.type))", sourceLocation: sourceLocation)
                if group.count == 4, case .toolCall(let tool, _, let callId, _) = group[1],
                   case .toolResult(_, _, let resultId, _, _) = group[2], case .stepComplete(let stepId, _, _) = group[3] {
                    #expect(tool == title && callId == id && resultId == id && stepId == id, sourceLocation: sourceLocation)
                }
                index += 4
            } else {
                #expect(!["tool_call", "tool_result", "step_complete"].contains(events[index].type),
                        "\(events[index].type) outside a step group", sourceLocation: sourceLocation)
                index += 1
            }
        }
        // Thinking blocks open and close in pairs, each with its own id.
        var open: String?
        var seen = Set<String>()
        for event in events {
            switch event {
            case .thinkingStart(let id):
                #expect(open == nil && !seen.contains(id), "thinking block \(id) opened twice or nested", sourceLocation: sourceLocation)
                open = id
                seen.insert(id)
            case .thinkingDelta(let id, _):
                #expect(open == id, sourceLocation: sourceLocation)
            case .thinkingEnd(let id):
                #expect(open == id, sourceLocation: sourceLocation)
                open = nil
            case .textDelta, .stepStart, .final, .error:
                #expect(open == nil, "\(event.type) inside an open thinking block", sourceLocation: sourceLocation)
            default: break
            }
        }
        #expect(HistoryRepair.isValid(outcome.history), "history invalid: \(outcome.history.map(\.role))",
                sourceLocation: sourceLocation)
    }
}
