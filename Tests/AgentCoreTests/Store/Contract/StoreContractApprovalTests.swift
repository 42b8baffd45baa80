import Foundation
import Testing
@testable import AgentCore

/// Pending approvals through the one store protocol, on each backend: written with a commit,
/// loaded back with the session and after reopening, left alone by a commit that does not name
/// them, cleared by `[]`.
@Suite struct StoreContractApprovalTests {
    typealias C = Contract

    @Test(arguments: Backend.allCases) func pendingApprovalsRoundTripWithTheirDecisions(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let requested = Date(timeIntervalSince1970: 1_800_000_000.125)
        let waiting = [
            PendingApproval(toolCallId: "call_1", tool: "github__create_issue", args: ["title": "a\u{0}b", "n": 2],
                            requestedAt: requested, expiresAt: requested.addingTimeInterval(60)),
            PendingApproval(toolCallId: "call_2", tool: "calculator", args: [:], requestedAt: requested, expiresAt: nil,
                            decision: ApprovalDecision(approve: false, reason: "no ✓")),
        ]
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            #expect(try await store.loadSession(id: "s1")?.summary.pendingApprovals == [])
            var commit = C.commit(history: .append(from: 0, messages: [.user("go"), .assistant("", toolCalls: [
                ToolCall(id: "call_1", name: "github__create_issue", arguments: "{}")])]))
            commit.pendingApprovals = waiting
            try await store.commitTurn(commit, to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.pendingApprovals == waiting)
            try await store.commitTurn(C.commit(), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.pendingApprovals == waiting, "nil leaves them")
        }
        try await place.withStore { store in
            #expect(try await store.loadSession(id: "s1")?.summary.pendingApprovals == waiting, "kept across reopening")
            var commit = C.commit()
            commit.pendingApprovals = []
            try await store.commitTurn(commit, to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.pendingApprovals == [])
        }
    }

    /// The cleanup loop's index: a session is due once its earliest undecided deadline has
    /// passed; decided calls, calls without a deadline and cleared approvals never make it due;
    /// earliest deadline first, `limit` at a time.
    @Test(arguments: Backend.allCases) func sessionsWithApprovalsDueByTheirEarliestUndecidedDeadline(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func call(_ id: String, expiresIn seconds: Double?, decided: Bool = false) -> PendingApproval {
            PendingApproval(toolCallId: id, tool: "echo", args: [:], requestedAt: start,
                            expiresAt: seconds.map { start.addingTimeInterval($0) },
                            decision: decided ? ApprovalDecision(approve: true) : nil)
        }
        try await place.withStore { store in
            let waiting: [String: [PendingApproval]] = [
                "late": [call("a", expiresIn: 300), call("b", expiresIn: 900)],
                "early": [call("a", expiresIn: 100, decided: true), call("b", expiresIn: 200)],
                "forever": [call("a", expiresIn: nil)],
                "decided": [call("a", expiresIn: 50, decided: true)],
                "cleared": [call("a", expiresIn: 10)],
            ]
            for (id, calls) in waiting {
                try await store.createSession(C.header(id))
                var commit = C.commit()
                commit.pendingApprovals = calls
                try await store.commitTurn(commit, to: id)
            }
            var clear = C.commit()
            clear.pendingApprovals = []
            try await store.commitTurn(clear, to: "cleared")
            try await store.commitTurn(C.commit(), to: "late")  // names no approvals: the deadline stays
            #expect(try await store.sessionsWithApprovalsDue(at: start.addingTimeInterval(150), limit: 10) == [])
            #expect(try await store.sessionsWithApprovalsDue(at: start.addingTimeInterval(200), limit: 10) == ["early"])
            #expect(try await store.sessionsWithApprovalsDue(at: start.addingTimeInterval(10_000), limit: 10) == ["early", "late"])
            #expect(try await store.sessionsWithApprovalsDue(at: start.addingTimeInterval(10_000), limit: 1) == ["early"])
        }
    }

    /// Sessions already waiting when the deadline column arrives (SQLite v8, PostgreSQL v4) get
    /// their deadline from the stored calls, so the cleanup loop finds them after the upgrade.
    @Test(arguments: Backend.allCases) func theUpgradeFillsTheDeadlineOfSessionsAlreadyWaiting(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await place.withStore { store in
            try await store.createSession(C.header("waiting"))
            try await store.createSession(C.header("idle"))
            var commit = C.commit()
            commit.pendingApprovals = [
                PendingApproval(toolCallId: "a", tool: "echo", args: [:], requestedAt: start,
                                expiresAt: start.addingTimeInterval(10), decision: ApprovalDecision(approve: false)),
                PendingApproval(toolCallId: "b", tool: "echo", args: [:], requestedAt: start, expiresAt: start.addingTimeInterval(60)),
            ]
            try await store.commitTurn(commit, to: "waiting")
        }
        // The data as the previous schema had it.
        try await place.rawSQL("DROP INDEX sessions_approval_deadline")
        try await place.rawSQL("ALTER TABLE sessions DROP COLUMN approval_deadline")
        try await place.rawSQL("UPDATE schema_version SET version = \(place.currentSchemaVersion - 1)")
        try await place.withStore { (store: any SessionStore) async throws in
            #expect(try await store.sessionsWithApprovalsDue(at: start.addingTimeInterval(59), limit: 10) == [])
            #expect(try await store.sessionsWithApprovalsDue(at: start.addingTimeInterval(60), limit: 10) == ["waiting"])
        }
        #expect(try await place.schemaVersion() == place.currentSchemaVersion)
    }
}
