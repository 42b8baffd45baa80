import CSQLite
import Foundation

/// The snapshot schema's operations as plain synchronous SQL. Lives on the SQLite thread
/// only (it owns the `SQLiteConnection`); `SQLiteSnapshotStore` is its async front.
/// Inputs arrive already encoded to JSON text so the SQLite thread does only SQLite work.
final class SnapshotDatabase {
    /// Replaced only when a connection SQLite opened read-only is reopened for writing.
    private(set) var connection: SQLiteConnection
    let path: String
    let maxEventsPerSession: Int
    private let busyTimeoutMilliseconds: Int
    private let pageSize: Int
    /// Device and inode of the file opened, to notice it being deleted or replaced.
    private let fileIdentity: (dev: UInt64, ino: UInt64)?

    /// Opens (creating if needed), checks and migrates the database. Apart from
    /// `PRAGMA quick_check` this is O(1) in the number of stored sessions.
    init(path: String, busyTimeoutMilliseconds: Int, maxEventsPerSession: Int,
         migrations: [SchemaMigration] = SchemaMigration.all) throws {
        self.path = path
        self.maxEventsPerSession = max(1, maxEventsPerSession)
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        connection = try Self.connect(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, checkIntegrity: true)
        do {
            pageSize = try connection.row("PRAGMA page_size") { $0.int(0) } ?? 4096
        } catch let error as SQLiteError {
            throw StoreError(error, operation: "configure \(path)")
        }
        try SchemaMigrator(migrations: migrations).migrate(connection)
        fileIdentity = Self.identity(of: path)
    }

    private static func connect(_ path: String, busyTimeoutMilliseconds: Int, checkIntegrity: Bool) throws -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path)
        } catch {
            throw StoreError(error, operation: "open \(path)")
        }
        do {
            // The C API keeps the value out of SQL text.
            sqlite3_busy_timeout(try connection.rawHandle(), Int32(clamping: busyTimeoutMilliseconds))
            if checkIntegrity { try Self.checkIntegrity(connection, path: path) }
            // WAL lets readers run during a write; NORMAL syncs at checkpoints, not at each
            // commit: a power cut may lose the last commits but never corrupts the file.
            _ = try connection.row("PRAGMA journal_mode = WAL") { $0.text(0) }
            try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        } catch let error as SQLiteError {
            throw StoreError(error, operation: "configure \(path)")
        }
        return connection
    }

    private static func checkIntegrity(_ connection: SQLiteConnection, path: String) throws {
        let findings: [String]
        do {
            findings = try connection.rows("PRAGMA quick_check") { $0.text(0) }
        } catch let error as SQLiteError where [SQLITE_CORRUPT, SQLITE_NOTADB].contains(error.primaryCode) {
            throw StoreError.corrupt(path: path, details: error.message)
        }
        guard findings == ["ok"] else {
            throw StoreError.corrupt(path: path, details: findings.prefix(5).joined(separator: "; "))
        }
    }

    private static func identity(of path: String) -> (dev: UInt64, ino: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Throws when the file we opened is no longer at `path` (deleted, or replaced by another).
    func checkFilePresent() throws {
        guard let fileIdentity, let current = Self.identity(of: path),
              current.dev == fileIdentity.dev, current.ino == fileIdentity.ino
        else { throw StoreError.databaseFileMissing(path: path) }
    }

    /// A real write that needs fresh pages (two pages of zeroes, then deleted), committed so
    /// the WAL is written too: it fails exactly when a growing commit would.
    func probeWrite() throws {
        try checkFilePresent()
        try reopenIfReadOnly()
        try connection.transaction {
            try connection.run("INSERT INTO store_probe (payload) VALUES (zeroblob(?))", [.int(pageSize * 2)])
            try connection.run("DELETE FROM store_probe")
        }
    }

    /// SQLite silently opens a file it may not write (permissions, immutable attribute)
    /// read-only, and such a connection stays read-only: reopening is how writes resume once
    /// the file is writable again.
    private func reopenIfReadOnly() throws {
        guard connection.isReadOnly else { return }
        let fresh = try Self.connect(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, checkIntegrity: false)
        guard !fresh.isReadOnly else { throw StoreError.readOnly(path: path) }
        connection.close()
        connection = fresh
    }

    /// Caps the file at `pages` pages (SQLite never lowers it below the current size);
    /// returns the cap in effect. Tests use it to make the disk "full".
    func setMaxPageCount(_ pages: Int) throws -> Int {
        // PRAGMA takes no bound parameters; an Int cannot smuggle SQL.
        try connection.row("PRAGMA max_page_count = \(pages)") { $0.int(0) } ?? 0
    }

    func close() {
        try? connection.execute("PRAGMA optimize")
        connection.close()
    }
}
