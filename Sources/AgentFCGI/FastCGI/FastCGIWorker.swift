import Dispatch
import Foundation
import Logging
import Synchronization

/// One worker OS thread's loop: accept → copy params → read body → run the async handler and
/// block on its result → write (or stream) the response → finish. Owns its `FastCGIConnection`.
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
        let connection = FastCGIConnection(listenFD: context.listenFD)
        while connection.accept() {
            context.stats.workerBecameBusy()
            context.stats.inFlight.add(1, ordering: .relaxed)
            handle(connection)
            connection.finish()
            context.stats.inFlight.subtract(1, ordering: .relaxed)
            context.stats.requestsServed.add(1, ordering: .relaxed)
            context.stats.workerBecameIdle()
        }
    }

    private func handle(_ connection: FastCGIConnection) {
        let started = DispatchTime.now()
        let params = connection.params()
        connection.setWriteTimeout(seconds: context.settings.writeTimeoutSeconds)
        let body = connection.readBody(maxBytes: context.settings.maxBodyBytes)
        let request = HTTPRequest(cgiParams: params, body: body.data ?? Data(), basePath: context.settings.basePath)
        guard context.drain.enterWork() else {
            // Draining: we still accept, so the client learns when to come back instead of
            // getting the web server's 502 for a refused connection.
            let response = context.router.errorResponse(.unavailable("Server is shutting down", retryAfterSeconds: context.settings.retryAfterSeconds),
                                                        for: request.path)
            record(write(response, for: request, to: connection), request: request, response: response, started: started)
            return
        }
        defer { context.drain.leaveWork() }
        let response = body.data == nil ? context.router.errorResponse(.bodyTooLarge, for: request.path) : respond(to: request)
        let delivery = write(response, for: request, to: connection)
        record(delivery, request: request, response: response, started: started)
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
        case .eventStream(let stream):
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
        let match = context.router.match(method: request.method, path: request.path)
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

extension BodyCollector.Outcome {
    var data: Data? {
        if case .complete(let data) = self { return data }
        return nil
    }
}
