import AgentCore
import Foundation

/// `/agent/query` (blocking), `/agent/query-stream` (step events) and `/agent/query-stream-delta`
/// (token events), docs/API.md §1 and §1.2.
/// The query starts in `stream` (`service.submitQuery`); each event becomes a frame in `relay`
/// (`EventStream.send`), written by the worker in `EventStreamWriter.send`. docs/ARCHITECTURE.md §3.
struct AgentRoutes {
    let service: AgentService

    func register(on router: inout Router) {
        let service = self.service
        router.post("/agent/query") { request in
            let query = try QueryRequest(request, choices: QueryFields.Choices(service.profile))
            let subscription = try await mappingSessionErrors {
                try await service.submitQuery(sessionId: query.sessionId, owner: request.remoteUser, input: query.input)
            }
            return try await Self.answer(subscription)
        }
        router.post("/agent/query-stream") { request in
            try await Self.stream(request, kind: .step, service: service)
        }
        router.post("/agent/query-stream-delta") { request in
            try await Self.stream(request, kind: .delta, service: service)
        }
    }

    /// The blocking answer once the query ended (also a decision's continuation without SSE).
    static func answer(_ subscription: QuerySubscription) async throws -> HTTPResponse {
        let result = await subscription.result()
        // Refused, rolled back because the store failed (503, or 500 for a store bug), or
        // cancelled by DELETE/clear (409): the error says what the session kept.
        if let failure = result.failure { throw failure.httpError }
        if case .error(let message, _) = result.terminal {
            throw HTTPError.internalError(message)
        }
        // A failed last commit without `failure` lost only the closing events: the turn's
        // history is stored, so this is still the success it was.
        var fields: [(String, JSONValue)] = [("session_id", .string(subscription.sessionId)),
                                             ("response", .string(result.terminal.responseText)),
                                             ("usage", result.usage.json)]
        if case .awaitingApproval = result.terminal {
            fields += [("status", "awaiting_approval"),
                       ("pending_approvals", .array(result.pendingApprovals.map(ApprovalJSON.pending)))]
        }
        var response = HTTPResponse.json(fields: fields)
        response.sessionId = subscription.sessionId
        return response
    }

    static func stream(_ request: HTTPRequest, kind: EventStreamKind, service: AgentService) async throws -> HTTPResponse {
        let query = try QueryRequest(request, choices: QueryFields.Choices(service.profile))
        let subscription = try await mappingSessionErrors {
            try await service.submitQuery(sessionId: query.sessionId, owner: request.remoteUser, input: query.input)
        }
        return stream(subscription, kind: kind)
    }

    /// A query's events as SSE, from its subscription (also a decision's continuation).
    static func stream(_ subscription: QuerySubscription, kind: EventStreamKind) -> HTTPResponse {
        let stream = EventStream()
        stream.onEnd { _ in subscription.clientGone() }
        Task {
            await relay(subscription.events, kind: kind, to: stream)
        }
        return .eventStream(stream, headers: [("X-Session-Id", subscription.sessionId),
                                              ("X-Query-Id", subscription.queryId)])
    }

    /// Writes each event of the kind as one frame, with the JSON stamped once for the relay and
    /// the store alike; the stream ends (`: done`) after `usage`.
    static func relay(_ events: AsyncStream<StampedEvent>, kind: EventStreamKind, to stream: EventStream) async {
        for await event in events where kind.includes(event.event) {
            guard await stream.send(data: event.json, id: Int(event.seq)) else { break }
        }
        stream.finish()
    }
}
