extension PostgresSessionStore {
    public struct Settings: Sendable, Hashable {
        public var connection: PostgresConnectionSettings
        /// Connections (and threads) in the pool. Default 4.
        public var poolSize: Int
        /// Events kept per session, oldest dropped first (`seq` keeps counting). Default 10,000.
        public var maxEventsPerSession: Int
        /// `checkHealth()` probes at most this often; calls in between return the last result. Default 1 s.
        public var healthProbeInterval: Duration
        /// This responder's lease owner (`server.instance_id`), also its name in the notices it
        /// sends (`SessionNotice.instance`), and the lease duration (`storage.lease_seconds`).
        public var lease: LeaseSettings

        public init(connection: PostgresConnectionSettings, poolSize: Int = 4, maxEventsPerSession: Int = 10_000,
                    healthProbeInterval: Duration = .seconds(1), lease: LeaseSettings = LeaseSettings()) {
            self.connection = connection
            self.poolSize = poolSize
            self.maxEventsPerSession = maxEventsPerSession
            self.healthProbeInterval = healthProbeInterval
            self.lease = lease
        }
    }
}

extension PostgresSessionStore {
    /// The schema version this build writes (and the newest it accepts).
    public static var schemaVersion: Int { PostgresMigration.currentVersion }
}
