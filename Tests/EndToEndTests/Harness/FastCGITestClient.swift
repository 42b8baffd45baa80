import Foundation

/// Speaks FastCGI straight to the responder's unix socket, bypassing the web server, for faults
/// a web server would hide (a peer that stops reading). Blocking; use from a thread.
final class FastCGITestClient {
    private let fd: Int32

    init(socketPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: socketPath.utf8)
            buffer[socketPath.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw TestFailure("connect to \(socketPath) failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(fd)
    }

    /// Sends a complete GET request (BEGIN_REQUEST, PARAMS, empty STDIN) and reads nothing.
    func sendGet(_ uri: String) throws {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        let query = uri.contains("?") ? String(uri.split(separator: "?", maxSplits: 1)[1]) : ""
        let params = ["REQUEST_METHOD": "GET", "REQUEST_URI": uri, "DOCUMENT_URI": path, "QUERY_STRING": query,
                      "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1"]
        var encoded: [UInt8] = []
        for (name, value) in params {
            for length in [name.utf8.count, value.utf8.count] {
                encoded += length < 128 ? [UInt8(length)]
                    : [UInt8(length >> 24 | 0x80), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            }
            encoded += Array(name.utf8) + Array(value.utf8)
        }
        let beginRequest: [UInt8] = [0, 1, 0, 0, 0, 0, 0, 0]  // role RESPONDER, no keep-conn
        let bytes = Self.record(type: 1, beginRequest) + Self.record(type: 4, encoded) + Self.record(type: 4, [])
            + Self.record(type: 5, [])
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestFailure("sending the FastCGI request failed") }
    }

    private static func record(type: UInt8, _ content: [UInt8]) -> [UInt8] {
        [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0] + content
    }
}
