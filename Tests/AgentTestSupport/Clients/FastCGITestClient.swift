import Foundation

/// Speaks FastCGI straight to the responder's unix socket, bypassing the web server, for faults
/// a web server would hide (a peer that stops reading, malformed records, raw params bytes).
/// Blocking; use from a thread.
public final class FastCGITestClient {
    private let fd: Int32

    /// `fd` is set only once connected: a class whose properties are all set runs its deinit
    /// when its init throws, and closing the number twice could close another test's socket.
    public init(socketPath: String) throws {
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: socketPath.utf8)
            buffer[socketPath.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(socketFD)
            throw TestFailure("connect to \(socketPath) failed: \(reason)")
        }
        fd = socketFD
    }

    /// A TCP connection to 127.0.0.1:`port` (`--listen`), from `localAddress` when given
    /// (any 127.x.y.z works on Linux: a second peer address for FCGI_WEB_SERVER_ADDRS).
    public init(tcpPort port: UInt16, from localAddress: String? = nil) throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        func address(_ text: String, _ port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr(text)
            address.sin_port = port.bigEndian
            return address
        }
        func fail(_ what: String) -> TestFailure {
            let failure = TestFailure("\(what) failed: \(String(cString: strerror(errno)))")
            close(socketFD)
            return failure
        }
        if let localAddress {
            var local = address(localAddress, 0)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw fail("bind \(localAddress)") }
        }
        var remote = address("127.0.0.1", port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw fail("connect to 127.0.0.1:\(port)") }
        fd = socketFD
    }

    deinit {
        close(fd)
    }

    /// The socket, for `shutdown` and friends.
    public var descriptor: Int32 { fd }

    /// Sends a complete GET request (BEGIN_REQUEST, PARAMS, empty STDIN) and reads nothing.
    public func sendGet(_ uri: String) throws {
        try send(Self.request(Self.getParams(uri)))
    }

    public static func getParams(_ uri: String) -> [(String, [UInt8])] {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        let query = uri.contains("?") ? String(uri.split(separator: "?", maxSplits: 1)[1]) : ""
        return [("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri), ("DOCUMENT_URI", path), ("QUERY_STRING", query),
                ("SERVER_PROTOCOL", "HTTP/1.1"), ("GATEWAY_INTERFACE", "CGI/1.1")].map { ($0.0, Array($0.1.utf8)) }
    }

    /// Writes `bytes` as they are.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestFailure("sending to the responder failed: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Reads one response: records up to and including END_REQUEST (the connection may stay open).
    public func readResponse(timeout: Double) throws -> [UInt8] {
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while Self.response(bytes) == nil {
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { throw TestFailure("connection ended after \(bytes.count) bytes, before END_REQUEST") }
            bytes += chunk[..<count]
        }
        return bytes
    }

    /// Reads until the responder closes the connection or `timeout` seconds pass without a byte.
    public func readUntilClosed(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 { bytes += chunk[..<count]; continue }
            return (bytes, count == 0 || errno == ECONNRESET)
        }
    }

    // MARK: Records (FastCGI 1.0)

    public static func record(type: UInt8, _ content: [UInt8], requestId: UInt16 = 1) -> [UInt8] {
        [1, type, UInt8(requestId >> 8), UInt8(requestId & 0xff), UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0]
            + content
    }

    /// A name-value length: one byte below 128, else four with the high bit set.
    public static func length(_ value: Int) -> [UInt8] {
        value < 128 ? [UInt8(value)]
            : [UInt8(value >> 24 | 0x80), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    public static func pairs(_ params: [(String, [UInt8])]) -> [UInt8] {
        params.flatMap { length($0.0.utf8.count) + length($0.1.count) + Array($0.0.utf8) + $0.1 }
    }

    /// BEGIN_REQUEST (responder; FCGI_KEEP_CONN if asked), the params in one record, the empty
    /// PARAMS, the body in one STDIN record if any, the empty STDIN.
    public static func request(_ params: [(String, [UInt8])], body: [UInt8] = [], requestId: UInt16 = 1,
                        keepConnection: Bool = false) -> [UInt8] {
        let begin = record(type: 1, [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0], requestId: requestId)
        return begin + record(type: 4, pairs(params), requestId: requestId) + record(type: 4, [], requestId: requestId)
            + (body.isEmpty ? [] : record(type: 5, body, requestId: requestId)) + record(type: 5, [], requestId: requestId)
    }

    /// The HTTP status and body carried by a response's STDOUT records; nil without END_REQUEST.
    public static func response(_ bytes: [UInt8]) -> (status: Int, body: String)? {
        var stdout: [UInt8] = []
        var offset = 0
        var ended = false
        while bytes.count - offset >= 8 {
            let length = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            let padding = Int(bytes[offset + 6])
            guard bytes.count - offset >= 8 + length + padding else { break }
            if bytes[offset + 1] == 6 { stdout += bytes[offset + 8..<offset + 8 + length] }
            if bytes[offset + 1] == 3 { ended = true }
            offset += 8 + length + padding
        }
        let text = String(decoding: stdout, as: UTF8.self)
        guard ended, let split = text.range(of: "\r\n\r\n"), text.hasPrefix("Status: "),
              let status = Int(text.dropFirst(8).prefix(3)) else { return nil }
        return (status, String(text[split.upperBound...]))
    }
}
