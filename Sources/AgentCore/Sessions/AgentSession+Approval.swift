import Foundation

/// Decisions on the tool calls a paused turn waits on (docs/API.md §5). The pause itself is
/// stored state (`pendingApprovals`, with the history that ends in the calls), not a suspended
/// task: whichever responder holds the session next continues it with a new query.
extension AgentSession {
    /// Records `decisions` (by tool call id; a later one for the same id wins). Calls past their
    /// deadline count as rejected ("approval timed out") whatever is decided for them. While some
    /// call is undecided the decisions are stored and nothing runs; once all are decided the turn
    /// continues as a new query, whose subscription is returned.
    ///
    /// Throws `nothingPending` (409), `busy` (409: a query runs or waits), `unknownToolCall`
    /// (422), `storeUnavailable` when partial decisions cannot be stored.
    public func decide(_ decisions: [(toolCallId: String, decision: ApprovalDecision)], runner: any QueryRunner,
                       defaultSystemPrompt: String?, now: Date = Date()) async throws -> ApprovalProgress {
        if isRetired { throw SessionRetired() }
        guard !pendingApprovals.isEmpty else { throw SessionError.nothingPending(id: id) }
        if running != nil || !queued.isEmpty {
            throw SessionError.busy(id: id, runningQueryId: running?.queryId, reason: "a query is running")
        }
        for (index, entry) in decisions.enumerated() where !pendingApprovals.contains(where: { $0.toolCallId == entry.toolCallId }) {
            throw SessionError.unknownToolCall(index: index, toolCallId: entry.toolCallId)
        }
        var updated = pendingApprovals
        var decided = expire(&updated, now: now)
        for entry in decisions {
            guard let index = updated.firstIndex(where: { $0.toolCallId == entry.toolCallId }),
                  !decided.contains(where: { $0.toolCallId == entry.toolCallId && $0.decision == .timedOut }) else { continue }
            updated[index].decision = entry.decision
            decided.removeAll { $0.toolCallId == entry.toolCallId }
            decided.append(updated[index])
        }
        return try await proceed(with: updated, decided: decided, runner: runner, defaultSystemPrompt: defaultSystemPrompt)
    }

    /// The cleanup loop's part: an idle session whose waiting calls passed their deadline has them
    /// rejected and its turn continued, so a pause never blocks a session forever. Returns the
    /// calls it timed out (empty when there were none).
    public func expireApprovals(runner: any QueryRunner, defaultSystemPrompt: String?,
                                now: Date = Date()) async -> ApprovalProgress? {
        guard !isRetired, running == nil, queued.isEmpty else { return nil }
        var updated = pendingApprovals
        let decided = expire(&updated, now: now)
        guard !decided.isEmpty else { return nil }
        return try? await proceed(with: updated, decided: decided, runner: runner, defaultSystemPrompt: defaultSystemPrompt)
    }

    /// Marks undecided calls past their deadline as timed out; returns them.
    private func expire(_ approvals: inout [PendingApproval], now: Date) -> [PendingApproval] {
        var expired: [PendingApproval] = []
        for index in approvals.indices where approvals[index].isExpired(at: now) {
            approvals[index].decision = .timedOut
            expired.append(approvals[index])
        }
        return expired
    }

    private func proceed(with updated: [PendingApproval], decided: [PendingApproval], runner: any QueryRunner,
                         defaultSystemPrompt: String?) async throws -> ApprovalProgress {
        let waiting = updated.filter { $0.decision == nil }
        pendingApprovals = updated
        guard waiting.isEmpty else {
            lastUsedAt = Date()
            do {
                try await commit(runningQueryId: nil)
            } catch {
                rollBackToCommitted()
                throw SessionError.storeUnavailable(reason: "the decisions could not be stored (\(error)); decide again")
            }
            return ApprovalProgress(decided: decided, waiting: waiting, continuation: nil)
        }
        var choices: [String: ApprovalDecision] = [:]
        for call in updated { choices[call.toolCallId] = call.decision }
        // The paused query's model, tools, format and sampling carry over to its continuation.
        let options = updated.lazy.compactMap(\.queryOptions).first ?? QueryOptions()
        let subscription = try submit(input: .continuation(choices, options: options), runner: runner,
                                      defaultSystemPrompt: defaultSystemPrompt)
        return ApprovalProgress(decided: decided, waiting: [], continuation: subscription)
    }

    /// A continuation that has just taken the lease: its calls must still be the ones waiting.
    /// The store's copy (read again if another responder wrote since) may show them decided and
    /// continued elsewhere meanwhile; running them again would run an approved call twice.
    func stillWaiting(decided decisions: [String: ApprovalDecision]) -> SessionError? {
        let waiting = Set(pendingApprovals.map(\.toolCallId))
        guard !waiting.isEmpty, Set(decisions.keys).isSubset(of: waiting) else {
            return .conflict(id: id, reason: "these tool calls were decided and continued elsewhere meanwhile; nothing ran again")
        }
        return nil
    }
}
