import Foundation

/// A blocking TCP connection to 127.0.0.1 with a receive timeout. Used on a dedicated thread.
public final class RawConnection {
    private let fd: Int32

    /// `fd` is set only once connected: a class whose properties are all set runs its deinit
    /// when its init throws, and closing the number twice could close another test's socket.
    public init(port: UInt16, timeout: Double) throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(socketFD)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: \(reason)")
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        fd = socketFD
    }

    deinit {
        close(fd)
    }

    public func send(_ text: String) throws {
        guard sendAll(Data(text.utf8)) else { throw TestFailure("send failed: \(String(cString: strerror(errno)))") }
    }

    /// A server may answer (413) and close before reading a large body; that is not our failure.
    public func sendIgnoringReset(_ data: Data) {
        _ = sendAll(data)
    }

    /// Reads until the blank line after the headers; returns them and any body bytes already read.
    public func readHead() throws -> (String, Data) {
        var buffer = Data()
        let separator = Data("\r\n\r\n".utf8)
        while true {
            if let range = buffer.range(of: separator) {
                return (String(decoding: buffer[..<range.lowerBound], as: UTF8.self), Data(buffer[range.upperBound...]))
            }
            guard let chunk = try read() else { throw TestFailure("connection closed before the response headers; got \(buffer.count) bytes") }
            buffer.append(chunk)
        }
    }

    /// The next bytes, nil at end of stream.
    public func read() throws -> Data? {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count > 0 { return Data(chunk[..<count]) }
        if count == 0 || errno == ECONNRESET { return nil }
        throw TestFailure("recv failed: \(String(cString: strerror(errno)))")
    }

    private func sendAll(_ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(fd, bytes.baseAddress!.advanced(by: offset), bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }
}
