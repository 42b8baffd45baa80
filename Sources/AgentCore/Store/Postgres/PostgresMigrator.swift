/// Brings the database's schema up to the newest `PostgresMigration`, once, whichever
/// responder gets there first: each step runs in a transaction holding a transaction-level
/// advisory lock, so a second responder starting at the same moment waits, then finds the
/// work done. The version lives in a one-row `schema_version` table (0 when absent).
struct PostgresMigrator {
    var migrations: [PostgresMigration] = PostgresMigration.all

    /// The advisory lock key every agent-fcgi migrator takes ("agentfcg" as a 64-bit number).
    static let lockKey: Int64 = 0x6167_656E_7466_6367

    private static let lock = PostgresStatement("migrate_lock", "SELECT pg_advisory_xact_lock($1)")
    private static let readVersion = PostgresStatement("migrate_version", "SELECT coalesce(max(version), 0) FROM schema_version")
    private static let writeVersion = PostgresStatement("migrate_write", "INSERT INTO schema_version (version) VALUES ($1)")

    /// Applies what is missing. Returns the versions before and after; throws
    /// `StoreError.schemaTooNew` for a database a newer agent-fcgi has written.
    @available(*, noasync)
    @discardableResult
    func migrate(_ connection: PostgresConnection) throws -> (from: Int, to: Int) {
        let supported = migrations.last?.version ?? 0
        var first: Int?
        while true {
            try connection.execute("BEGIN", operation: "migrate")
            do {
                try connection.query(Self.lock, [.int(Self.lockKey)], operation: "migrate: take the advisory lock")
                try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)",
                                       operation: "migrate: create schema_version")
                let found = try connection.query(Self.readVersion, operation: "migrate: read the version").int(0, 0)
                if first == nil { first = found }
                guard found <= supported else {
                    throw StoreError.schemaTooNew(path: "PostgreSQL database \(connection.target)", found: found,
                                                  supported: supported)
                }
                guard let next = migrations.first(where: { $0.version > found }) else {
                    try connection.execute("COMMIT", operation: "migrate")
                    return (first ?? found, found)
                }
                let operation = "migration to schema v\(next.version) (\(next.name))"
                try connection.execute(next.script, operation: operation)
                try connection.execute("DELETE FROM schema_version", operation: operation)
                try connection.query(Self.writeVersion, [.int(next.version)], operation: operation)
                try connection.execute("COMMIT", operation: operation)
            } catch {
                connection.rollbackIfNeeded()
                throw error
            }
        }
    }

    /// The schema version without changing anything (0 for an empty database).
    @available(*, noasync)
    func version(of connection: PostgresConnection) throws -> Int {
        let exists = try connection.query(
            PostgresStatement("migrate_exists", "SELECT to_regclass('schema_version') IS NOT NULL"),
            operation: "read the schema version")
        guard exists.text(0, 0) == "t" else { return 0 }
        return try connection.query(Self.readVersion, operation: "read the schema version").int(0, 0)
    }
}
