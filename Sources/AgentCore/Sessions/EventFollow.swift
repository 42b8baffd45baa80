import Foundation

/// A replay of stored events followed by live ones (`GET /sessions/{id}/events`).
public struct EventFollow: Sendable {
    /// Events the session no longer holds in memory: read them from the store before `events`.
    public var storedRange: ClosedRange<Int64>?
    /// Events held in memory after the requested seq, then live ones until the running query ends.
    public var events: AsyncStream<StampedEvent>
    /// Stops live delivery (client gone).
    public var cancel: @Sendable () -> Void
}
