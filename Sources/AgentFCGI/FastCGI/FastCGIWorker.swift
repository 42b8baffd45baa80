import Dispatch
import Foundation
import Logging

/// One worker OS thread's loop: accept → copy params → read body → run the async handler and
/// block on its result → write (or stream) the response → finish. Owns its `FastCGIConnection`.
struct FastCGIWorker {
    let context: FastCGIServer.Context
    private let logger = Logger(label: "agent-fcgi.worker")

    init(context: FastCGIServer.Context) {
        self.context = context
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
            let response = HTTPError.unavailable("Server is shutting down", retryAfterSeconds: context.settings.retryAfterSeconds).response
            record(write(response, for: request, to: connection), request: request, response: response, started: started)
            return
        }
        defer { context.drain.leaveWork() }
        let response = body.data == nil ? HTTPError.bodyTooLarge.response : respond(to: request)
        let outcome = write(response, for: request, to: connection)
        record(outcome, request: request, response: response, started: started)
    }

    /// Runs the router on the cooperative pool and blocks this thread until it answers. If the
    /// drain deadline passes first, the client gets a 503 rather than a cut connection.
    private func respond(to request: HTTPRequest) -> HTTPResponse {
        let slot = BlockingSlot<HTTPResponse>()
        let router = context.router
        Task { slot.fulfil(await router.respond(to: request)) }
        return slot.wait(shouldGiveUp: { context.drain.deadlinePassed })
            ?? HTTPError.unavailable("Server is shutting down", retryAfterSeconds: context.settings.retryAfterSeconds).response
    }

    private enum Outcome {
        case complete
        case failed(FastCGIConnection.WriteResult)
        case streamEnded(EventStream.EndReason)
    }

    private func write(_ response: HTTPResponse, for request: HTTPRequest, to connection: FastCGIConnection) -> Outcome {
        var head = "Status: \(response.status) \(HTTPResponse.reason(for: response.status))\r\n"
        for header in response.headers {
            // A line break in a header (say, an id echoed back) would let it forge headers.
            head += "\(Self.headerSafe(header.name)): \(Self.headerSafe(header.value))\r\n"
        }
        switch response.body {
        case .bytes(let data):
            head += "Content-Length: \(data.count)\r\n\r\n"
            var result = connection.write(head)
            if result == .ok, request.method != "HEAD" { result = connection.write(data) }
            if result == .ok { result = connection.flush() }
            return result == .ok ? .complete : .failed(result)
        case .eventStream(let stream):
            context.stats.activeStreams.add(1, ordering: .relaxed)
            defer { context.stats.activeStreams.subtract(1, ordering: .relaxed) }
            var result = connection.write(head + "\r\n")
            if result == .ok { result = connection.flush() }
            guard result == .ok else {
                stream.end(result == .timedOut ? .writeTimeout : .clientGone)
                return .failed(result)
            }
            if request.method == "HEAD" {
                stream.end(.clientGone)
                return .complete
            }
            let writer = EventStreamWriter(connection: connection, heartbeatSeconds: context.settings.heartbeatSeconds, drain: context.drain)
            return writer.run(stream).map { .streamEnded($0) } ?? .complete
        }
    }

    private func record(_ outcome: Outcome, request: HTTPRequest, response: HTTPResponse, started: DispatchTime) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let metadata: Logger.Metadata = ["method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status)",
                                         "seconds": "\(String(format: "%.3f", seconds))"]
        switch outcome {
        case .complete:
            if case .bytes = response.body, seconds >= context.settings.slowRequestSeconds {
                context.stats.slowRequests.add(1, ordering: .relaxed)
                logger.warning("slow request", metadata: metadata)
            }
        case .failed(.timedOut), .streamEnded(.writeTimeout):
            context.stats.writeTimeouts.add(1, ordering: .relaxed)
            logger.notice("client stopped reading; write timed out", metadata: metadata)
        case .failed, .streamEnded(.clientGone):
            context.stats.clientAborts.add(1, ordering: .relaxed)
            logger.info("client went away before the response ended", metadata: metadata)
        case .streamEnded(.shutdown):
            logger.notice("stream ended by the drain deadline", metadata: metadata)
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
