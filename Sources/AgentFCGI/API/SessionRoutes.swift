import AgentCore
import Foundation

/// The session endpoints of docs/API.md §1 and §3: create, list, read, delete, clear, cancel,
/// history pages and usage. Reads answer from committed state and never wait for a query.
struct SessionRoutes {
    let service: AgentService

    func register(on router: inout Router) {
        let service = self.service
        router.post("/sessions") { request in
            let body = try request.jsonObjectBody()
            var issues: [ValidationIssue] = []
            var systemPrompt: String?
            do throws(HTTPError) { systemPrompt = try body.optionalString("system_prompt") } catch { issues += error.issues ?? [] }
            let (model, modelIssues) = QueryFields.model(body["model"], at: ["body", "model"],
                                                         choices: QueryFields.Choices(service.profile))
            issues += modelIssues
            guard issues.isEmpty else { throw HTTPError.unprocessable(issues) }
            let session = try await mappingSessionErrors {
                try await service.sessions.create(owner: request.remoteUser, systemPrompt: systemPrompt, model: model)
            }
            var response = HTTPResponse.json(fields: [("session_id", .string(session.id)),
                                                      ("created_at", .string(Timestamp.rfc3339Millis(session.createdAt)))])
            response.sessionId = session.id
            return response
        }
        router.get("/sessions") { request in
            let limit = try request.integerQuery("limit", default: 1000, range: 1...10_000)
            let page = try await mappingSessionErrors {
                try await service.sessions.list(owner: request.remoteUser, limit: limit, after: request.query("cursor"))
            }
            var fields: [(String, JSONValue)] = [("sessions", .array(page.sessions.map(Self.summaryJSON)))]
            if let next = page.nextCursor { fields.append(("next_cursor", .string(next))) }
            return .json(fields: fields)
        }
        router.get("/sessions/{id}") { request in
            let info = try await Self.session(request, service).info
            return .json(fields: [
                ("session_id", .string(info.id)),
                ("created_at", .string(Timestamp.rfc3339Millis(info.createdAt))),
                ("last_used_at", .string(Timestamp.rfc3339Millis(info.lastUsedAt))),
                ("message_count", .number(Double(info.messageCount))),
                ("usage", info.usage.json),
                ("lifetime_usage", info.lifetimeUsage.json),
                ("pending_approvals", .array(info.pendingApprovals.map(ApprovalJSON.pending))),
            ])
        }
        router.delete("/sessions/{id}") { request in
            let id = request.pathParameter("id") ?? ""
            try await mappingSessionErrors { try await service.sessions.delete(id: id, owner: request.remoteUser) }
            return .json(fields: [("deleted", true), ("session_id", .string(id))])
        }
        // Clear and cancel reach a query running on another responder too (SessionManager+Remote).
        router.post("/sessions/{id}/clear") { request in
            let id = request.pathParameter("id") ?? ""
            try await mappingSessionErrors { try await service.sessions.clear(id: id, owner: request.remoteUser) }
            return .json(fields: [("session_id", .string(id)), ("cleared", true)])
        }
        router.post("/sessions/{id}/cancel") { request in
            let id = request.pathParameter("id") ?? ""
            let cancelled = try await mappingSessionErrors {
                try await service.sessions.cancel(id: id, owner: request.remoteUser)
            }
            return .json(fields: [("session_id", .string(id)), ("cancelled", .bool(cancelled))])
        }
        router.get("/agent/usage/{id}") { request in
            let info = try await Self.session(request, service).info
            return .json(fields: [("session_id", .string(info.id)), ("usage", info.usage.json)])
        }
        router.get("/sessions/{id}/messages") { request in
            let session = try await Self.session(request, service)
            let limit = try request.integerQuery("limit", default: 100, range: 1...1000)
            let messages = try await mappingSessionErrors { try await session.messages() }
            let before = try request.integerQuery("before", default: messages.count, range: 0...Int.max)
            let end = min(before, messages.count)
            let start = max(0, end - limit)
            let page = (start..<end).map { MessageJSON.encode(messages[$0], index: $0) }
            return .json(fields: [
                ("session_id", .string(session.id)),
                ("messages", .array(page)),
                ("total", .number(Double(messages.count))),
                ("next_before", start > 0 ? .number(Double(start)) : .null),
            ])
        }
    }

    static func session(_ request: HTTPRequest, _ service: AgentService) async throws -> AgentSession {
        let id = request.pathParameter("id") ?? ""
        return try await mappingSessionErrors { try await service.sessions.session(id: id, owner: request.remoteUser) }
    }

    static func summaryJSON(_ summary: SessionSummary) -> JSONValue {
        .object([
            "session_id": .string(summary.id),
            "created_at": .string(Timestamp.rfc3339Millis(summary.createdAt)),
            "last_used_at": .string(Timestamp.rfc3339Millis(summary.lastUsedAt)),
            "message_count": .number(Double(summary.messageCount)),
            "title": summary.title.map(JSONValue.string) ?? .null,
        ])
    }
}
