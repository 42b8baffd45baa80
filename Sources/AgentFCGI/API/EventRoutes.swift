import AgentCore
import Foundation

/// `GET /sessions/{id}/events?after=<seq>` (docs/API.md §3.1): replays stored events after
/// `seq`, then follows the running query live, then `: done`. `Last-Event-ID` means the same
/// as `after`.
struct EventRoutes {
    let service: AgentService
    static let replayBatch = 500

    func register(on router: inout Router) {
        let service = self.service
        router.get("/sessions/{id}/events") { request in
            let session = try await SessionRoutes.session(request, service)
            let after = try Self.afterSeq(request)
            let kind = try Self.kind(request)
            let stream = EventStream()
            // Nothing runs here: with several responders on the store, a query may run on
            // another one, and the store is the one place that has its events.
            if let remote = service.sessions.remote, !session.info.isBusy {
                let sessionId = session.id
                // A client that goes away is noticed at the next send (within a recheck interval).
                Task { await Self.relay(remote.follow(sessionId, after: after), kind: kind, to: stream) }
                return .eventStream(stream)
            }
            let follow = await session.follow(after: after)
            stream.onEnd { _ in follow.cancel() }
            let store = service.store
            let sessionId = session.id
            Task {
                if let range = follow.storedRange {
                    let replayed = await EventRoutes.replay(range, of: sessionId, from: store, kind: kind, to: stream)
                    // Following live after a failed replay would hide a gap from the client.
                    guard replayed else {
                        follow.cancel()
                        stream.finish()
                        return
                    }
                }
                await AgentRoutes.relay(follow.events, kind: kind, to: stream)
            }
            return .eventStream(stream)
        }
    }

    /// Sends what `follower` reads from the store until it ends; a store failure is named in a
    /// comment frame (the client resumes with Last-Event-ID).
    static func relay(_ follower: StoredEventFollower, kind: EventStreamKind, to stream: EventStream) async {
        defer { follower.close() }
        let after = follower.lastSeq
        var first = true
        while true {
            let batch: [StoredEvent]?
            do {
                batch = try await follower.next()
            } catch {
                let reason = String(describing: error).replacingOccurrences(of: "\n", with: " ")
                await stream.sendComment("stored events after \(follower.lastSeq) could not be read (\(reason)); reconnect with Last-Event-ID: \(follower.lastSeq)")
                break
            }
            guard let batch else { break }
            // As `replay` does: the oldest asked for fell out of `storage.events_per_session`.
            if first, let head = batch.first, head.seq - 1 > after {
                await stream.sendComment("events \(after + 1)-\(head.seq - 1) are no longer kept (storage.events_per_session); replay starts after them")
            }
            first = false
            for event in batch where kind.includes(type: event.type) {
                guard await stream.send(data: event.json, id: Int(event.seq)) else { return }
            }
        }
        stream.finish()
    }

    /// Sends the stored events in `range`. False when the store could not be read or the
    /// client went away; a store failure is named in a comment frame.
    static func replay(_ range: ClosedRange<Int64>, of sessionId: String, from store: any SessionStore,
                       kind: EventStreamKind, to stream: EventStream) async -> Bool {
        var cursor = range.lowerBound - 1
        while cursor < range.upperBound {
            let batch: [StoredEvent]
            do {
                batch = try await store.events(sessionId: sessionId, after: cursor, limit: replayBatch)
            } catch {
                let reason = String(describing: error).replacingOccurrences(of: "\n", with: " ")
                await stream.sendComment("stored events after \(cursor) could not be read (\(reason)); reconnect with Last-Event-ID: \(cursor)")
                return false
            }
            // Fewer stored than asked for: the oldest fell out of the retention bound
            // (`storage.events_per_session`). Say so once, so a resuming client knows it missed them.
            let kept = batch.first.map { min($0.seq, range.upperBound + 1) } ?? (range.upperBound + 1)
            if cursor == range.lowerBound - 1, kept > range.lowerBound {
                await stream.sendComment("events \(range.lowerBound)-\(kept - 1) are no longer kept (storage.events_per_session); replay starts after them")
            }
            guard let last = batch.last else { return true }
            for event in batch where event.seq <= range.upperBound {
                guard kind.includes(type: event.type) else { continue }
                guard await stream.send(data: event.json, id: Int(event.seq)) else { return false }
            }
            cursor = last.seq
        }
        return true
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

    static func kind(_ request: HTTPRequest) throws(HTTPError) -> EventStreamKind {
        let name = request.query("stream") ?? "all"
        guard let kind = EventStreamKind(rawValue: name) else {
            throw .unprocessable([ValidationIssue(type: "literal_error", loc: ["query", "stream"],
                                                  msg: "Input should be 'all', 'step' or 'delta'", input: .string(name),
                                                  ctx: ["expected": "'all', 'step' or 'delta'"])])
        }
        return kind
    }
}

