import Dispatch
import Foundation
import Logging
import Synchronization

/// One worker OS thread's loop: accept and check the request head → read the body → run the async
/// handler and block on its result → write (or stream) the response → finish. Owns its
/// `FastCGIConnection`.
struct FastCGIWorker {
    let context: FastCGIServer.Context
    private let logger = Logger(label: "agent-fcgi.worker")
    private let executor = WorkerExecutor()
    private let metrics: RequestMetrics

    init(context: FastCGIServer.Context) {
        self.context = context
        metrics = RequestMetrics(factory: context.metricsFactory)
    }

    func run() {
        let connection = FastCGIConnection(.init(
            listenFD: context.listenFD, limits: .init(maxParamsBytes: context.settings.maxParamsBytes),
            readTimeoutSeconds: context.settings.readTimeoutSeconds, allowedPeers: context.allowedPeers,
            turns: context.acceptTurns, pool: context.pool))
        let drain = context.drain
        while true {
            switch connection.next(shouldAbandon: { drain.acceptingStopped }) {
            case .request(let head):
                context.stats.workerBecameBusy()
                context.stats.inFlight.add(1, ordering: .relaxed)
                if handle(head, on: connection) {
                    connection.finish(keepOpen: !drain.isDraining)
                    context.stats.requestsServed.add(1, ordering: .relaxed)
                }
                context.stats.inFlight.subtract(1, ordering: .relaxed)
                context.stats.workerBecameIdle()
            case .rejected(let problem):
                note(problem, request: nil)
            case .refusedPeer(let address):
                context.stats.rejectedConnections.add(1, ordering: .relaxed)
                logger.warning("FastCGI connection refused: peer not in FCGI_WEB_SERVER_ADDRS", metadata: ["peer": "\(address)"])
            case .shortOfResources(let code):
                logger.error("cannot accept FastCGI connections; retrying", metadata: [
                    "reason": "\(String(cString: strerror(code)))", "hint": "raise LimitNOFILE or lower server.workers"])
                usleep(100_000)
            case .stopped(let code):
                if !drain.acceptingStopped {
                    logger.critical("worker stopped: accept failed", metadata: ["reason": "\(String(cString: strerror(code)))"])
                }
                return
            }
        }
    }

    /// Reads the body and answers; false when the request was dropped unanswered (its body
    /// never arrived), and the connection is already closed.
    private func handle(_ head: FastCGIRequestParser.Head, on connection: FastCGIConnection) -> Bool {
        let started = DispatchTime.now()
        connection.setWriteTimeout(seconds: context.settings.writeTimeoutSeconds)
        var params = head.params
        // Never seen by a handler, not even in a log line: it is not a user name.
        if head.remoteUserProblem != nil { params["REMOTE_USER"] = nil }
        let drain = context.drain
        let body = connection.readBody(maxBytes: context.settings.maxBodyBytes, shouldAbandon: { drain.acceptingStopped })
        var data = Data()
        switch body {
        case .dropped(let problem):
            note(problem, request: params)
            connection.abandon()
            return false
        case .complete(let complete): data = complete
        case .tooLarge: break
        }
        let request = HTTPRequest(cgiParams: params, body: data, basePath: context.settings.basePath)
        guard context.drain.enterWork() else {
            // Draining: we still accept, so the client learns when to come back instead of
            // getting the web server's 502 for a refused connection.
            let response = context.router.errorResponse(.unavailable("Server is shutting down", retryAfterSeconds: context.settings.retryAfterSeconds),
                                                        for: request.path)
            record(write(response, for: request, to: connection), request: request, response: response, started: started)
            return true
        }
        defer { context.drain.leaveWork() }
        let response: HTTPResponse
        if let problem = head.remoteUserProblem {
            response = context.router.errorResponse(
                HTTPError(400, "REMOTE_USER \(problem); the web server must pass the authenticated user name "
                          + "unchanged, or an empty REMOTE_USER"), for: request.path)
        } else if case .tooLarge = body {
            response = context.router.errorResponse(.bodyTooLarge, for: request.path)
        } else {
            response = respond(to: request)
        }
        let delivery = write(response, for: request, to: connection)
        record(delivery, request: request, response: response, started: started)
        return true
    }

    /// One log line and one count for a connection closed without an answer.
    private func note(_ problem: ConnectionProblem, request params: [String: String]?) {
        var metadata: Logger.Metadata = ["reason": "\(problem)"]
        if let params {
            metadata["method"] = "\(params["REQUEST_METHOD"] ?? "")"
            metadata["uri"] = "\(params["REQUEST_URI"] ?? "")"
        }
        switch problem.tally {
        case .readTimeout:
            context.stats.readTimeouts.add(1, ordering: .relaxed)
            logger.notice("FastCGI connection dropped: read timeout", metadata: metadata)
        case .rejected:
            context.stats.rejectedConnections.add(1, ordering: .relaxed)
            logger.warning("FastCGI connection rejected", metadata: metadata)
        case .clientAbort:
            context.stats.clientAborts.add(1, ordering: .relaxed)
            logger.info("request dropped before its body arrived", metadata: metadata)
        }
    }

    /// Runs the router's task on this thread (see `WorkerExecutor`) until it answers. If the
    /// drain deadline passes first, the client gets a 503 rather than a cut connection.
    private func respond(to request: HTTPRequest) -> HTTPResponse {
        let answer = Mutex<HTTPResponse?>(nil)
        let router = context.router
        Task(executorPreference: executor) {
            let response = await router.respond(to: request)
            answer.withLock { $0 = response }
        }
        let finished = executor.run(until: { answer.withLock { $0 != nil } }, pollSeconds: 0.5,
                                    shouldGiveUp: { context.drain.deadlinePassed })
        guard finished, let response = answer.withLock({ $0 }) else {
            return router.errorResponse(.unavailable("Server is shutting down", retryAfterSeconds: context.settings.retryAfterSeconds),
                                        for: request.path)
        }
        return response
    }

    private enum Outcome {
        case complete
        case failed(FastCGIConnection.WriteResult)
        case streamEnded(EventStream.EndReason)

        /// The access log's `end` field.
        var name: String {
            switch self {
            case .complete: return "complete"
            case .failed(.timedOut), .streamEnded(.writeTimeout): return "write_timeout"
            case .failed, .streamEnded(.clientGone): return "client_gone"
            case .streamEnded(.shutdown): return "shutdown"
            }
        }
    }

    /// How a response went out: its outcome, body bytes and stream events written.
    private struct Delivery {
        var outcome: Outcome
        var bytes = 0
        var events = 0
    }

    private func write(_ response: HTTPResponse, for request: HTTPRequest, to connection: FastCGIConnection) -> Delivery {
        var head = "Status: \(response.status) \(HTTPResponse.reason(for: response.status))\r\n"
        for header in response.headers {
            // A line break in a header (say, an id echoed back) would let it forge headers.
            head += "\(Self.headerSafe(header.name)): \(Self.headerSafe(header.value))\r\n"
        }
        switch response.body {
        case .bytes(let data):
            head += "Content-Length: \(data.count)\r\n\r\n"
            let sendsBody = request.method != "HEAD"
            var result = connection.write(head)
            if result == .ok, sendsBody { result = connection.write(data) }
            if result == .ok { result = connection.flush() }
            guard result == .ok else { return Delivery(outcome: .failed(result)) }
            return Delivery(outcome: .complete, bytes: sendsBody ? data.count : 0)
        case .eventStream(let producer):
            let stream = producer.openConsumer()
            connection.releaseHandOffPair()
            context.stats.activeStreams.add(1, ordering: .relaxed)
            defer { context.stats.activeStreams.subtract(1, ordering: .relaxed) }
            var result = connection.write(head + "\r\n")
            if result == .ok { result = connection.flush() }
            guard result == .ok else {
                stream.end(result == .timedOut ? .writeTimeout : .clientGone)
                return Delivery(outcome: .failed(result))
            }
            if request.method == "HEAD" {
                stream.end(.clientGone)
                return Delivery(outcome: .complete)
            }
            let writer = EventStreamWriter(connection: connection, heartbeatSeconds: context.settings.heartbeatSeconds, drain: context.drain)
            let summary = writer.run(stream)
            return Delivery(outcome: summary.endReason.map { .streamEnded($0) } ?? .complete,
                            bytes: summary.bytes, events: summary.events)
        }
    }

    /// After the response: the access-log line, the request metrics, and the counters and
    /// warnings `/status` reports (slow requests, aborts, write timeouts).
    private func record(_ delivery: Delivery, request: HTTPRequest, response: HTTPResponse, started: DispatchTime) {
        let nanoseconds = DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds
        let seconds = Double(nanoseconds) / 1e9
        // Routed responses carry their match; only answers made before routing (drain, limits,
        // a bad REMOTE_USER) are matched here, so a request's path is matched once (a router 404
        // matched nothing, so it is not tried again).
        let match = response.route ?? (response.status == 404 ? nil : context.router.match(method: request.method, path: request.path))
        let route = match?.template ?? Router.unmatchedRoute
        let sessionId = match?.parameters["id"] ?? response.sessionId ?? response.header("X-Session-Id")
        context.accessLog.log(AccessLog.Entry(
            method: request.method, path: request.path, route: route, status: response.status, bytes: delivery.bytes,
            seconds: seconds, sessionId: sessionId, owner: request.remoteUser, events: delivery.events,
            end: delivery.outcome.name))
        metrics.record(method: request.method, route: route, status: response.status, nanoseconds: nanoseconds,
                       streamEvents: delivery.events)
        // Built only for the rare request that is logged here: formatting costs more than /ping.
        func metadata() -> Logger.Metadata {
            var metadata: Logger.Metadata = ["method": "\(request.method)", "route": "\(route)", "status": "\(response.status)",
                                             "duration": "\(AccessLog.seconds(seconds))"]
            if let sessionId { metadata["session_id"] = "\(sessionId)" }
            return metadata
        }
        switch delivery.outcome {
        case .complete:
            if case .bytes = response.body, seconds >= context.settings.slowRequestSeconds {
                context.stats.slowRequests.add(1, ordering: .relaxed)
                logger.warning("slow request", metadata: metadata().merging(
                    ["slow_request_seconds": "\(context.settings.slowRequestSeconds)"]) { $1 })
            }
        case .failed(.timedOut), .streamEnded(.writeTimeout):
            context.stats.writeTimeouts.add(1, ordering: .relaxed)
            logger.notice("client stopped reading; write timed out", metadata: metadata())
        case .failed, .streamEnded(.clientGone):
            // The access line says `end=client_gone`; nothing more to tell at info.
            context.stats.clientAborts.add(1, ordering: .relaxed)
        case .streamEnded(.shutdown):
            logger.notice("stream ended by the drain deadline", metadata: metadata())
        }
    }
}

extension FastCGIWorker {
    static func headerSafe(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline }) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}
