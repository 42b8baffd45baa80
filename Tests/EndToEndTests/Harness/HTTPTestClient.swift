import AgentCore
import Foundation

/// A minimal HTTP/1.0 client over a raw socket to 127.0.0.1. HTTP/1.0 keeps framing trivial (the
/// server closes after the body; no chunked encoding) and lets streams be read as they arrive,
/// with an arrival time per SSE frame. Blocking I/O runs on its own thread, never on the pool.
struct HTTPTestClient: Sendable {
    let port: UInt16

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await request("GET", path, headers: headers)
    }

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
                 timeout: Double = 60) async throws -> HTTPTestResponse {
        let port = self.port
        return try await Self.onThread {
            let connection = try RawConnection(port: port, timeout: timeout)
            try connection.send(Self.requestHead(method, path, headers: headers, bodyLength: body?.count))
            if let body { connection.sendIgnoringReset(body) }
            let (head, firstBody) = try connection.readHead()
            var body = firstBody
            while let chunk = try connection.read() { body.append(chunk) }
            return HTTPTestResponse(head: head, body: body)
        }
    }

    /// Reads an SSE response to its end, timestamping each frame when its last byte arrived.
    func stream(_ path: String, headers: [(String, String)] = [], timeout: Double = 60) async throws -> HTTPTestStream {
        let port = self.port
        return try await Self.onThread {
            let started = Date()
            let connection = try RawConnection(port: port, timeout: timeout)
            try connection.send(Self.requestHead("GET", path, headers: headers, bodyLength: nil))
            let (head, firstBody) = try connection.readHead()
            var stream = HTTPTestStream(head: head)
            stream.consume(firstBody, at: Date().timeIntervalSince(started))
            while let chunk = try connection.read() {
                stream.consume(chunk, at: Date().timeIntervalSince(started))
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

    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

struct HTTPTestResponse: Sendable {
    let status: Int
    /// Lower-cased names.
    let headers: [String: String]
    let body: Data

    init(head: String, body: Data) {
        let (status, headers) = parseHead(head)
        self.status = status
        self.headers = headers
        self.body = body
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> JSONValue { try JSONValue.parse(body) }
}

/// An SSE response as received: every frame (events and comments) with its arrival time.
struct HTTPTestStream: Sendable {
    struct Frame: Sendable {
        let text: String
        /// Seconds since the request was sent.
        let arrivedAt: Double
        var isComment: Bool { text.hasPrefix(":") }
        var id: Int? { field("id").flatMap(Int.init) }
        var data: String? { field("data") }

        func field(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("\(name): ") }.map { String($0.dropFirst(name.count + 2)) }
        }
    }

    let status: Int
    let headers: [String: String]
    private(set) var frames: [Frame] = []
    private var pending = ""

    init(head: String) {
        (status, headers) = parseHead(head)
    }

    var events: [Frame] { frames.filter { !$0.isComment } }
    var comments: [String] { frames.filter(\.isComment).map(\.text) }

    mutating func consume(_ data: Data, at time: Double) {
        pending += String(decoding: data, as: UTF8.self)
        while let end = pending.range(of: "\n\n") {
            frames.append(Frame(text: String(pending[..<end.lowerBound]), arrivedAt: time))
            pending = String(pending[end.upperBound...])
        }
    }
}

private func parseHead(_ head: String) -> (Int, [String: String]) {
    let lines = head.components(separatedBy: "\r\n")
    let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return (status, headers)
}
