import Foundation

/// Runs one streamed model call over the HTTP client: status check, SSE parsing, decoding.
///
/// Threading: the stream is pulled, not pushed. It runs no task of its own: each `next()` of its
/// consumer (the agent's query task) reads the body in that task — the curl thread hands bytes
/// straight to it through `TransferState` — then parses and decodes them there. So cancelling
/// the consumer cancels the transfer where it waits, errors are thrown where the consumer
/// awaits, and nothing is buffered but the deltas of the chunk being decoded; the back-pressure
/// is `TransferState`'s (1 MiB, then the transfer pauses).
enum ProviderStream {
    /// Error bodies are read up to this size; the rest is not needed for a message.
    static let errorBodyLimit = 64 * 1024

    static func run<Decoder: ChatStreamDecoder>(client: HTTPClient, request: HTTPClientRequest,
                                                decoder: Decoder) -> AsyncThrowingStream<ChatDelta, Error> {
        let puller = Puller(client: client, request: request, decoder: decoder)
        return AsyncThrowingStream(unfolding: { try await puller.next() })
    }

    /// One call's state, advanced only by its consumer's `next()`.
    ///
    /// Threading: used by one task at a time — `AsyncThrowingStream` lets only one `next()` run
    /// at once (a second concurrent consumer is a programming error it traps on). Hence
    /// `@unchecked Sendable`: the closure that owns it must be `@Sendable`, the access is serial.
    private final class Puller<Decoder: ChatStreamDecoder>: @unchecked Sendable {
        private enum Phase {
            case start
            case body(HTTPBody.AsyncIterator)
            case done
        }

        private let client: HTTPClient
        private let request: HTTPClientRequest
        private var decoder: Decoder
        private var parser = SSEParser()
        private var phase = Phase.start
        /// Deltas decoded from the last chunk and not yet handed out, from `ready[readyIndex]` on.
        private var ready: [ChatDelta] = []
        private var readyIndex = 0

        init(client: HTTPClient, request: HTTPClientRequest, decoder: Decoder) {
            self.client = client
            self.request = request
            self.decoder = decoder
        }

        func next() async throws -> ChatDelta? {
            do {
                while true {
                    if readyIndex < ready.count {
                        defer { readyIndex += 1 }
                        return ready[readyIndex]
                    }
                    ready.removeAll(keepingCapacity: true)
                    readyIndex = 0
                    switch phase {
                    case .start:
                        try await open()
                    case .body(var body):
                        let chunk = try await read(&body)
                        phase = chunk == nil ? .done : .body(body)
                        if let chunk { try decode(chunk) } else { try close() }
                    case .done:
                        return nil
                    }
                }
            } catch {
                phase = .done
                ready = []
                throw ProviderErrorMapper.error(transport: error)
            }
        }

        private func open() async throws {
            let response = try await client.send(request)
            guard (200..<300).contains(response.status) else {
                let body = (try? await response.collect(upTo: ProviderStream.errorBodyLimit)) ?? []
                throw ProviderErrorMapper.error(status: response.status, headers: response.headers, body: body, host: request.host)
            }
            if response.headers["content-type"]?.lowercased().hasPrefix("application/json") == true {
                // A server that ignored `stream: true` (or answered an error object with 200):
                // the whole body is one event.
                let body = try await response.collect(upTo: 16 << 20)
                phase = .done
                ready = try decoder.decode(SSEEvent(data: String(decoding: body, as: UTF8.self))) + decoder.finish()
                return
            }
            phase = .body(response.body.makeAsyncIterator())
        }

        /// The next chunk, nil at the end. Read to the end even after the terminal event, so the
        /// connection can be reused.
        private func read(_ body: inout HTTPBody.AsyncIterator) async throws -> [UInt8]? {
            do {
                return try await body.next()
            } catch let error as HTTPClientError where error.kind != .cancelled && decoder.isDone {
                // The answer was complete; only the tail of the transfer failed.
                return nil
            }
        }

        private func decode(_ chunk: [UInt8]) throws {
            for event in parser.feed(chunk) where !decoder.isDone {
                ready += try decoder.decode(event)
            }
        }

        private func close() throws {
            for event in parser.finish() where !decoder.isDone {
                ready += try decoder.decode(event)
            }
            ready += try decoder.finish()
        }
    }
}
