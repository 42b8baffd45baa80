import AgentCore
import Foundation

/// How a waiting tool call looks on the wire (`pending_approvals` of `GET /sessions/{id}` and of
/// a paused `/agent/query`), docs/API.md §5.
enum ApprovalJSON {
    static func pending(_ call: PendingApproval) -> JSONValue {
        var fields: [String: JSONValue] = [
            "tool_call_id": .string(call.toolCallId),
            "tool": .string(call.tool),
            "args": call.args,
            "requested_at": .string(Timestamp.rfc3339Millis(call.requestedAt)),
            "expires_at": call.expiresAt.map { .string(Timestamp.rfc3339Millis($0)) } ?? .null,
        ]
        if let decision = call.decision {
            fields["decision"] = .object(["approve": .bool(decision.approve), "reason": .string(decision.reason)])
        }
        return .object(fields)
    }
}
