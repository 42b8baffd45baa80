import Foundation

/// An async HTTP client over the one libcurl event loop.
///
/// `send` returns once status and headers are in; the body streams through
/// `HTTPClientResponse.body`. Cancelling the awaiting or consuming task aborts the transfer
/// and closes its connection. Connections are kept and reused across requests.
public final class HTTPClient: Sendable {
    /// The process-wide client; its loop thread starts on first use.
    public static let shared = HTTPClient()

    private let loop: CurlLoop

    public init() {
        loop = CurlLoop()
    }

    public func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let (producer, consumer) = TransferState.makeHandles(host: request.host, loop: loop)
        let body = HTTPBody(transfer: consumer)
        let head = try await consumer.awaitHead(of: request, producer)
        return HTTPClientResponse(status: head.status, headers: head.headers, body: body)
    }
}
