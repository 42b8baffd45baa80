import Foundation
import Logging

/// Decisions on paused turns, looked up like every session route (another owner's session is
/// `notFound`), and the audit line each decision leaves: owner, tool, tool_call_id, decision, reason.
extension SessionManager {
    /// `POST /sessions/{id}/approvals`. The session is loaded from the store when this responder
    /// does not hold it (a restart, or another responder made the pause).
    public func decide(sessionId: String, owner: String?, decisions: [(toolCallId: String, decision: ApprovalDecision)],
                       runner: any QueryRunner, defaultSystemPrompt: String?) async throws -> ApprovalProgress {
        try await refuseWhileStoreDegraded()
        for _ in 0..<3 {
            let session = try await session(id: sessionId, owner: owner)
            do {
                let progress = try await session.decide(decisions, runner: runner, defaultSystemPrompt: defaultSystemPrompt)
                audit(progress.decided, sessionId: sessionId, owner: owner)
                return progress
            } catch is SessionRetired {
                continue
            }
        }
        throw SessionError.capacity(retryAfterSeconds: 1)
    }

    /// The cleanup loop's pass: calls waiting past `agent.approval.timeout_seconds` are rejected
    /// and their turns continued. The store names the sessions that are due, held here or not (a
    /// restart, an eviction, a pause made on another responder): those are looked up, which
    /// loads them or compares the copy held here with the store, so a call another responder has
    /// decided meanwhile is not timed out here. On a shared store every responder runs this; the
    /// continuation's lease lets only one of them run the turn.
    public func expireApprovals(runner: any QueryRunner, defaultSystemPrompt: String?, now: Date = Date()) async {
        do {
            for id in try await store.sessionsWithApprovalsDue(at: now, limit: 100) {
                _ = try? await lookup(id: id)
            }
        } catch {
            logger.warning("could not read which sessions' approvals are due; only those held in memory are checked",
                           metadata: ["error": "\(error)"])
        }
        for session in sessions.values where !session.info.pendingApprovals.isEmpty {
            guard let progress = await session.expireApprovals(runner: runner, defaultSystemPrompt: defaultSystemPrompt,
                                                                now: now) else { continue }
            audit(progress.decided, sessionId: session.id, owner: session.owner)
        }
    }

    private func audit(_ decided: [PendingApproval], sessionId: String, owner: String?) {
        for call in decided {
            guard let decision = call.decision else { continue }
            let verdict = decision == .timedOut ? "timed_out" : decision.approve ? "approved" : "rejected"
            logger.notice("tool call decision", metadata: [
                "session_id": "\(sessionId)", "owner": "\(owner ?? "-")", "tool": "\(call.tool)",
                "tool_call_id": "\(call.toolCallId)", "decision": "\(verdict)", "reason": "\(decision.reason)"])
        }
    }
}
