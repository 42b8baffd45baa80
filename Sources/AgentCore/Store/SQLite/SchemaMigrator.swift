/// Brings a database's schema up to the newest `SchemaMigration`, on the SQLite thread.
/// The version lives in a one-row `schema_version` table (0 when the table is absent).
struct SchemaMigrator {
    var migrations: [SchemaMigration] = SchemaMigration.all

    /// Returns the version the database had before migrating.
    @discardableResult
    func migrate(_ connection: SQLiteConnection) throws -> Int {
        let found = try version(of: connection)
        let supported = migrations.last?.version ?? 0
        guard found <= supported else {
            throw StoreError.schemaTooNew(path: connection.path, found: found, supported: supported)
        }
        for migration in migrations where migration.version > found {
            do {
                try connection.transaction {
                    try connection.execute(migration.script)
                    try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                    try connection.run("DELETE FROM schema_version")
                    try connection.run("INSERT INTO schema_version (version) VALUES (?)", [.int(migration.version)])
                }
            } catch let error as SQLiteError {
                throw StoreError(error, operation: "migration to schema v\(migration.version) (\(migration.name))")
            }
        }
        return found
    }

    func version(of connection: SQLiteConnection) throws -> Int {
        let exists = try connection.row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'") { _ in true } ?? false
        guard exists else { return 0 }
        return try connection.row("SELECT version FROM schema_version") { $0.int(0) } ?? 0
    }
}
