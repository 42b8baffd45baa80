import Foundation

/// Status and headers of a response whose body is still arriving.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    /// The body chunks as they arrive. Iterate it from one task; dropping it or cancelling that
    /// task aborts the transfer.
    public var body: HTTPBody

    /// Reads the whole body, failing with `.bodyTooLarge` past `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.count <= limit else {
                throw HTTPClientError(kind: .bodyTooLarge, host: body.host, message: "body exceeds \(limit) bytes")
            }
            bytes += chunk
        }
        return bytes
    }
}
