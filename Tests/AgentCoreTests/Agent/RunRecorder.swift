import Foundation
import Synchronization
import Testing
@testable import AgentCore

/// Collects what a run emitted and checkpointed, and can wake a test when an event arrives.
final class RunRecorder: Sendable {
    private let state = Mutex<(events: [AgentEvent], checkpoints: [QueryCheckpoint])>(([], []))
    private let trigger: (@Sendable (AgentEvent) -> Bool)?
    private let fired: AsyncStream<Void>.Continuation
    let firedStream: AsyncStream<Void>
    let failCheckpoint: Bool

    init(failCheckpoint: Bool = false, trigger: (@Sendable (AgentEvent) -> Bool)? = nil) {
        (firedStream, fired) = AsyncStream.makeStream()
        self.trigger = trigger
        self.failCheckpoint = failCheckpoint
    }

    var events: [AgentEvent] { state.withLock { $0.events } }
    var checkpoints: [QueryCheckpoint] { state.withLock { $0.checkpoints } }
    var types: [String] { events.map(\.type) }
    var stepTypes: [String] { events.filter { EventStreamKind.step.includes($0) }.map(\.type) }

    /// `step_complete` status by step id.
    var stepStatuses: [String: StepStatus] {
        var statuses: [String: StepStatus] = [:]
        for case .stepComplete(let id, let status, _) in events { statuses[id] = status }
        return statuses
    }

    func emit(_ event: AgentEvent) {
        state.withLock { $0.events.append(event) }
        if let trigger, trigger(event) { fired.yield() }
    }

    func checkpoint(_ checkpoint: QueryCheckpoint) throws {
        if failCheckpoint { throw CocoaError(.fileWriteNoPermission) }
        state.withLock { $0.checkpoints.append(checkpoint) }
    }

    /// Waits for the trigger to fire once.
    func waitForTrigger() async {
        var iterator = firedStream.makeAsyncIterator()
        _ = await iterator.next()
    }
}
