import AgentCore
import Foundation

/// `POST /sessions/{id}/approvals` (docs/API.md §5): decisions on the tool calls a paused turn
/// waits on. Partial decisions are stored and answered at once; the last one continues the turn,
/// answered like the query endpoints: SSE with `Accept: text/event-stream` (`?stream=step|delta`,
/// default delta), else `/agent/query`'s JSON.
struct ApprovalRoutes {
    let service: AgentService

    func register(on router: inout Router) {
        let service = self.service
        router.post("/sessions/{id}/approvals") { request in
            let id = request.pathParameter("id") ?? ""
            let decisions = try Self.decisions(request)
            let wantsStream = request.header("accept")?.lowercased().contains("text/event-stream") ?? false
            let kind = try Self.streamKind(request)
            let progress = try await mappingSessionErrors {
                try await service.decide(sessionId: id, owner: request.remoteUser, decisions: decisions)
            }
            guard let subscription = progress.continuation else {
                var response = HTTPResponse.json(fields: [
                    ("session_id", .string(id)),
                    ("pending", .array(progress.waiting.map { .string($0.toolCallId) }))])
                response.sessionId = id
                return response
            }
            if wantsStream { return AgentRoutes.stream(subscription, kind: kind) }
            return try await AgentRoutes.answer(subscription)
        }
    }

    /// `{"decisions":[{"tool_call_id": "…", "approve": true|false, "reason": "…"}]}`; every
    /// problem of the body in one 422.
    static func decisions(_ request: HTTPRequest) throws(HTTPError) -> [(toolCallId: String, decision: ApprovalDecision)] {
        let body = try request.jsonObjectBody()
        guard let value = body["decisions"] else { throw .unprocessable([.missing(["body", "decisions"], input: .object(body))]) }
        guard let items = value.arrayValue else { throw .unprocessable([.listType(["body", "decisions"], input: value)]) }
        guard !items.isEmpty else { throw .unprocessable([.tooShort(["body", "decisions"], input: value)]) }
        var decisions: [(toolCallId: String, decision: ApprovalDecision)] = []
        var issues: [ValidationIssue] = []
        for (index, item) in items.enumerated() {
            let here: [JSONValue] = ["body", "decisions", .number(Double(index))]
            guard let object = item.objectValue else {
                issues.append(.objectType(here, input: item))
                continue
            }
            var toolCallId: String?, approve: Bool?, reason = ""
            switch object["tool_call_id"] {
            case nil: issues.append(.missing(here + ["tool_call_id"], input: item))
            case let raw?:
                if let text = raw.stringValue { toolCallId = text } else { issues.append(.stringType(here + ["tool_call_id"], input: raw)) }
            }
            switch object["approve"] {
            case nil: issues.append(.missing(here + ["approve"], input: item))
            case let raw?:
                if let flag = raw.boolValue { approve = flag } else { issues.append(.boolType(here + ["approve"], input: raw)) }
            }
            if let raw = object["reason"], !raw.isNull {
                if let text = raw.stringValue { reason = text } else { issues.append(.stringType(here + ["reason"], input: raw)) }
            }
            if let toolCallId, let approve {
                decisions.append((toolCallId, ApprovalDecision(approve: approve, reason: reason)))
            }
        }
        guard issues.isEmpty else { throw .unprocessable(issues) }
        return decisions
    }

    static func streamKind(_ request: HTTPRequest) throws(HTTPError) -> EventStreamKind {
        let name = request.query("stream") ?? "delta"
        guard name == "step" || name == "delta", let kind = EventStreamKind(rawValue: name) else {
            throw .unprocessable([ValidationIssue(type: "literal_error", loc: ["query", "stream"],
                                                  msg: "Input should be 'step' or 'delta'", input: .string(name),
                                                  ctx: ["expected": "'step' or 'delta'"])])
        }
        return kind
    }
}
