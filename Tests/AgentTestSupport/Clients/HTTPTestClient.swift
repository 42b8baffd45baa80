import AgentCore
import Foundation

/// A minimal HTTP/1.0 client over a raw socket to 127.0.0.1. HTTP/1.0 keeps framing trivial (the
/// server closes after the body; no chunked encoding) and lets streams be read as they arrive,
/// with an arrival time per SSE frame. Blocking I/O runs on its own thread, never on the pool.
public struct HTTPTestClient: Sendable {
    public let port: UInt16
    /// What to attach to a 502 or 504: the web server answered for a responder that failed the
    /// request, and only the logs of that moment say why.
    public let gatewayErrorDiagnostics: (@Sendable () -> String)?

    public init(port: UInt16, gatewayErrorDiagnostics: (@Sendable () -> String)? = nil) {
        self.port = port
        self.gatewayErrorDiagnostics = gatewayErrorDiagnostics
    }

    public func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await request("GET", path, headers: headers)
    }

    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
                 timeout: Double = 60) async throws -> HTTPTestResponse {
        let port = self.port
        let diagnostics = gatewayErrorDiagnostics
        return try await Self.onThread {
            let connection = try RawConnection(port: port, timeout: timeout)
            try connection.send(Self.requestHead(method, path, headers: headers, bodyLength: body?.count))
            if let body { connection.sendIgnoringReset(body) }
            let (head, firstBody) = try connection.readHead()
            var body = firstBody
            while let chunk = try connection.read() { body.append(chunk) }
            var response = HTTPTestResponse(head: head, body: body)
            if [502, 504].contains(response.status), let diagnostics {
                response.diagnostics = "\n--- \(method) \(path) answered \(response.status); the stack's logs ---\n" + diagnostics()
            }
            return response
        }
    }

    /// Reads an SSE response to its end, timestamping each frame when its last byte arrived.
    /// With `stopWhen`, hangs up as soon as the frames so far satisfy it (a client going away).
    public func stream(_ path: String, method: String = "GET", headers: [(String, String)] = [], body: Data? = nil,
                timeout: Double = 60, stopWhen: (@Sendable (HTTPTestStream) -> Bool)? = nil) async throws -> HTTPTestStream {
        let port = self.port
        return try await Self.onThread {
            let started = Date()
            let connection = try RawConnection(port: port, timeout: timeout)
            try connection.send(Self.requestHead(method, path, headers: headers, bodyLength: body?.count))
            if let body { connection.sendIgnoringReset(body) }
            let (head, firstBody) = try connection.readHead()
            var stream = HTTPTestStream(head: head)
            stream.consume(firstBody, at: Date().timeIntervalSince(started))
            if let stopWhen, stopWhen(stream) { return stream }
            while let chunk = try connection.read() {
                stream.consume(chunk, at: Date().timeIntervalSince(started))
                if let stopWhen, stopWhen(stream) { return stream }
            }
            return stream
        }
    }

    private static func requestHead(_ method: String, _ path: String, headers: [(String, String)], bodyLength: Int?) -> String {
        var head = "\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let bodyLength { head += "Content-Length: \(bodyLength)\r\n" }
        return head + "\r\n"
    }

    public static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
