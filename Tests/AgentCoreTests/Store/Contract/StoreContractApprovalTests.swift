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
}
