import Foundation

/// Human approval of tool calls (`agent.approval`): a turn with gated calls runs its other calls,
/// then pauses; the session stores what waits, and a later query continues it (docs/API.md §5).
extension AgentRun {
    /// Ids of the calls that need a decision: those of a gated tool that could run at all (an
    /// unknown tool or bad arguments fail without asking anyone).
    func gatedCalls(_ calls: [ToolCall]) -> Set<String> {
        let approval = settings.approval
        guard !approval.tools.isEmpty else { return [] }
        return Set(calls.filter { call in
            approval.gates(call.name)
                && ToolInvocation(call: call, tools: tools, defaultTimeout: settings.defaultToolTimeout).rejection == nil
        }.map(\.id))
    }

    /// Announces the gated calls (`approval_request`), runs the others, commits the step with
    /// what waits, and ends the query with `final{status:"awaiting_approval"}`.
    func pause(_ calls: [ToolCall], gated: Set<String>) async throws -> QueryOutcome {
        let now = Date()
        let expiresAt = settings.approval.timeout.map { now.addingTimeInterval($0.inSeconds) }
        let waiting = calls.filter { gated.contains($0.id) }.map { call in
            PendingApproval(toolCallId: call.id, tool: call.name,
                            args: ToolInvocation(call: call, tools: tools, defaultTimeout: settings.defaultToolTimeout).arguments,
                            requestedAt: now, expiresAt: expiresAt, queryOptions: options)
        }
        for call in waiting {
            await emit(.approvalRequest(toolCallId: call.toolCallId, tool: call.tool, args: call.args))
        }
        let ungated = calls.filter { !gated.contains($0.id) }
        // A `done` among them cannot end a turn that still waits: its result stays in the history.
        if !ungated.isEmpty { _ = await runToolCalls(ungated) }
        if Task.isCancelled { throw RunStop.cancelled(partialText: "") }
        pendingApprovals = waiting
        try await checkpoint()
        return await finish(.awaitingApproval(pending: waiting.map(\.toolCallId)))
    }

    /// The calls of the history's last turn that have no result yet (those a pause left waiting).
    func openCalls() -> [ToolCall] {
        guard let turnIndex = history.lastIndex(where: { $0.role == .assistant }),
              !history[turnIndex].toolCalls.isEmpty,
              history[(turnIndex + 1)...].allSatisfy({ $0.role == .tool }) else { return [] }
        let answered = Set(history[(turnIndex + 1)...].compactMap(\.toolCallId))
        return history[turnIndex].toolCalls.filter { !answered.contains($0.id) }
    }

    /// A new message on a paused turn: every waiting call gets its rejection, in the history and
    /// as the usual four events of a call that did not run.
    func closePausedTurn() async {
        let calls = openCalls()
        guard !calls.isEmpty else { return }
        var decisions: [String: ApprovalDecision] = [:]
        for call in calls { decisions[call.id] = .supersededByMessage }
        _ = await runToolCalls(calls, decisions: decisions)
    }
}
