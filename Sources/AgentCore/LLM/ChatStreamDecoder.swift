import Foundation

/// Turns one provider's server-sent events into deltas.
protocol ChatStreamDecoder: Sendable {
    /// The deltas an event carries; throws for error events and unreadable data.
    mutating func decode(_ event: SSEEvent) throws -> [ChatDelta]
    /// True once the provider's terminal event arrived; later events are ignored.
    var isDone: Bool { get }
    /// The closing deltas at the end of the body; throws when the answer is incomplete.
    mutating func finish() throws -> [ChatDelta]
}
