import Foundation

/// Runs one streamed model call over the HTTP client: status check, SSE parsing, decoding.
enum ProviderStream {
    /// Error bodies are read up to this size; the rest is not needed for a message.
    static let errorBodyLimit = 64 * 1024

    static func run<Decoder: ChatStreamDecoder>(client: HTTPClient, request: HTTPClientRequest,
                                                decoder: Decoder) -> AsyncThrowingStream<ChatDelta, Error> {
        // Unbounded: a delta may not be dropped, and AsyncStream cannot suspend its producer.
        // Back-pressure comes from below instead: this task awaits `HTTPBody`, and
        // `TransferState` pauses the transfer once 1 MiB waits unread.
        AsyncThrowingStream(ChatDelta.self, bufferingPolicy: .unbounded) { continuation in
            let task = Task {
                do {
                    try await stream(client: client, request: request, decoder: decoder) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: ProviderErrorMapper.error(transport: error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func stream<Decoder: ChatStreamDecoder>(client: HTTPClient, request: HTTPClientRequest, decoder: Decoder,
                                                           yield: (ChatDelta) -> Void) async throws {
        let response = try await client.send(request)
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.collect(upTo: errorBodyLimit)) ?? []
            throw ProviderErrorMapper.error(status: response.status, headers: response.headers, body: body, host: request.host)
        }
        var parser = SSEParser()
        var decoder = decoder
        if response.headers["content-type"]?.lowercased().hasPrefix("application/json") == true {
            // A server that ignored `stream: true` (or answered an error object with 200):
            // the whole body is one event.
            let body = try await response.collect(upTo: 16 << 20)
            try decoder.decode(SSEEvent(data: String(decoding: body, as: UTF8.self))).forEach(yield)
            try decoder.finish().forEach(yield)
            return
        }
        do {
            // Read to the end even after the terminal event so the connection can be reused.
            for try await chunk in response.body {
                for event in parser.feed(chunk) where !decoder.isDone {
                    try decoder.decode(event).forEach(yield)
                }
            }
        } catch let error as HTTPClientError where error.kind != .cancelled && decoder.isDone {
            // The answer was complete; only the tail of the transfer failed.
        }
        for event in parser.finish() where !decoder.isDone {
            try decoder.decode(event).forEach(yield)
        }
        try decoder.finish().forEach(yield)
    }
}
