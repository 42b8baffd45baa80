import Foundation

public struct SessionSettings: Sendable, Hashable {
    /// Idle sessions older than this are deleted (memory and store).
    public var sessionTimeout: Duration = .seconds(60 * 60)
    public var cleanupInterval: Duration = .seconds(300)
    /// Sessions held in memory; the least recently used idle one is evicted past it.
    public var maxSessions: Int = 1000
    public var concurrencyPolicy: ConcurrencyPolicy = .queue
    /// Queries waiting behind a running one on the same session, past which a new one gets 409.
    public var maxQueuePerSession: Int = 8
    public var onDisconnect: DisconnectPolicy = .continue
    /// Events kept in memory per session for stream resumption while a query runs (the bound
    /// for a long one); with a store, older and finished ones are read from it.
    public var recentEventsInMemory: Int = 2000

    public init() {}
}
