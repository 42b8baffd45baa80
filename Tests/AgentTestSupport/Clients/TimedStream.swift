import Foundation

/// An SSE (or any) response read to its end on a thread, each frame stamped with Unix time so
/// streams read from different responders can be compared.
public enum TimedStream {
    public static func read(port: UInt16, _ method: String, _ path: String, body: Data? = nil,
                     headers: [(String, String)] = []) async throws -> HTTPTestStream {
        try await HTTPTestClient.onThread {
            let connection = try RawConnection(port: port, timeout: 60)
            var head = "\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
            try connection.send(head + "\r\n")
            if let body { connection.sendIgnoringReset(body) }
            let (responseHead, first) = try connection.readHead()
            var stream = HTTPTestStream(head: responseHead)
            stream.consume(first, at: Date().timeIntervalSince1970)
            while let chunk = try connection.read() { stream.consume(chunk, at: Date().timeIntervalSince1970) }
            return stream
        }
    }
}
