import Foundation
import Synchronization

/// The agent side of the server as the HTTP layer sees it: sessions plus the current profile.
public final class AgentService: Sendable {
    public let sessions: SessionManager
    private let currentProfile: Mutex<AgentProfile>

    public init(sessions: SessionManager, profile: AgentProfile) {
        self.sessions = sessions
        self.currentProfile = Mutex(profile)
    }

    /// Where the sessions are stored (stream replay reads events from it).
    public var store: any SessionStore {
        sessions.store
    }

    public var profile: AgentProfile {
        currentProfile.withLock { $0 }
    }

    /// Config reload: new queries use the new profile.
    public func replaceProfile(_ profile: AgentProfile) {
        currentProfile.withLock { $0 = profile }
    }

    /// `POST /sessions/{id}/approvals`: records decisions; a continuation runs with the current profile.
    public func decide(sessionId: String, owner: String?,
                       decisions: [(toolCallId: String, decision: ApprovalDecision)]) async throws -> ApprovalProgress {
        let profile = self.profile
        if let reason = profile.unavailableReason() { throw SessionError.toolsUnavailable(reason: reason) }
        return try await sessions.decide(sessionId: sessionId, owner: owner, decisions: decisions, runner: profile.runner,
                                         defaultSystemPrompt: profile.defaultSystemPrompt)
    }

    /// Session expiry and approval timeouts, every `cleanup_interval`, until the task is cancelled.
    public func runCleanupLoop() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: await sessions.settings.cleanupInterval)
            } catch {
                return
            }
            let profile = self.profile
            await sessions.expireApprovals(runner: profile.runner, defaultSystemPrompt: profile.defaultSystemPrompt)
            await sessions.expireIdleSessions()
        }
    }

    /// Starts (or queues) a query with the current profile.
    public func submitQuery(sessionId: String?, owner: String?, message: String) async throws -> QuerySubscription {
        try await submitQuery(sessionId: sessionId, owner: owner, input: QueryInput(text: message))
    }

    /// The same with the whole input; a session the query creates starts from `seed`.
    public func submitQuery(sessionId: String?, owner: String?, input: QueryInput,
                            seed: SessionSeed? = nil) async throws -> QuerySubscription {
        let profile = self.profile
        if let reason = profile.unavailableReason() { throw SessionError.toolsUnavailable(reason: reason) }
        return try await sessions.submitQuery(sessionId: sessionId, owner: owner, input: input, runner: profile.runner,
                                              defaultSystemPrompt: profile.defaultSystemPrompt, seed: seed)
    }
}
