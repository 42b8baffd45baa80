import AgentCore
import Foundation

/// `GET /sessions/{id}/events?after=<seq>` (API.md §3): replays stored events after `seq`, then
/// follows the running query live, then `: done`. `Last-Event-ID` means the same as `after`.
struct EventRoutes {
    let service: AgentService
    static let replayBatch = 500

    func register(on router: inout Router) {
        let service = self.service
        router.get("/sessions/{id}/events") { request in
            let session = try await SessionRoutes.session(request, service)
            let after = try Self.afterSeq(request)
            let kind = try Self.kind(request)
            let follow = await session.follow(after: after)
            let stream = EventStream()
            stream.onEnd { _ in follow.cancel() }
            let persistence = service.persistence
            let sessionId = session.id
            Task {
                if let range = follow.storedRange, let persistence {
                    await EventRoutes.replay(range, of: sessionId, from: persistence, kind: kind, to: stream)
                }
                await AgentRoutes.relay(follow.events, kind: kind, to: stream)
            }
            return .eventStream(stream)
        }
    }

    static func replay(_ range: ClosedRange<Int64>, of sessionId: String, from persistence: any SessionPersistence,
                       kind: AgentRoutes.StreamKind, to stream: EventStream) async {
        var cursor = range.lowerBound - 1
        while cursor < range.upperBound {
            guard let batch = try? await persistence.events(sessionId: sessionId, after: cursor, limit: replayBatch),
                  !batch.isEmpty else { return }
            for event in batch where event.seq <= range.upperBound {
                guard kind == .all || kind.includes(typeName: event.type) else { continue }
                guard await stream.send(data: event.json, id: Int(event.seq)) else { return }
            }
            cursor = batch.last!.seq
        }
    }

    static func afterSeq(_ request: HTTPRequest) throws(HTTPError) -> Int64 {
        if request.query("after") != nil {
            return Int64(try request.integerQuery("after", default: 0, range: 0...Int.max))
        }
        guard let header = request.header("last-event-id") else { return 0 }
        guard let value = Int64(header.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw .unprocessable([.intParsing(["header", "last-event-id"], input: header)])
        }
        return value
    }

    static func kind(_ request: HTTPRequest) throws(HTTPError) -> AgentRoutes.StreamKind {
        switch request.query("stream") ?? "all" {
        case "all": return .all
        case "step": return .step
        case "delta": return .delta
        case let other:
            throw .unprocessable([ValidationIssue(type: "literal_error", loc: ["query", "stream"],
                                                  msg: "Input should be 'all', 'step' or 'delta'", input: .string(other),
                                                  ctx: ["expected": "'all', 'step' or 'delta'"])])
        }
    }
}

extension AgentRoutes.StreamKind {
    /// The same rule as `includes(_:)`, for stored events known only by their type name.
    func includes(typeName: String) -> Bool {
        switch self {
        case .all: return true
        case .step: return !["text_delta", "thinking_start", "thinking_delta", "thinking_end"].contains(typeName)
        case .delta: return !["thinking", "text"].contains(typeName)
        }
    }
}
