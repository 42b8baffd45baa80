import Foundation

extension SQLiteSessionStore {
    public struct Settings: Sendable {
        /// The database file; its directory is created if missing. Default `./data/agent-fcgi.sqlite`.
        public var path: String
        /// Events kept per session, oldest dropped first (`seq` keeps counting). Default 10,000.
        public var maxEventsPerSession: Int
        /// How long a statement waits for a lock held by another process before failing. Default 5 s.
        public var busyTimeout: Duration
        /// `checkHealth()` probes at most this often; calls in between return the last result. Default 1 s.
        public var healthProbeInterval: Duration
        /// The lease protocol's owner and duration (one process holds the file, so every lease
        /// is this process's; kept so both backends answer the store contract alike).
        public var lease: LeaseSettings

        public init(path: String = "./data/agent-fcgi.sqlite", maxEventsPerSession: Int = 10_000,
                    busyTimeout: Duration = .seconds(5), healthProbeInterval: Duration = .seconds(1),
                    lease: LeaseSettings = LeaseSettings()) {
            self.path = path
            self.maxEventsPerSession = maxEventsPerSession
            self.busyTimeout = busyTimeout
            self.healthProbeInterval = healthProbeInterval
            self.lease = lease
        }
    }
}
