import CSQLite
import Foundation

/// The snapshot schema's operations as plain synchronous SQL. Lives on the SQLite thread
/// only (it owns the `SQLiteConnection`); `SQLiteSessionStore` is its async front.
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
    /// While the background integrity check reads the database file (`SQLiteIntegrityCheck`),
    /// nothing may write it: no checkpoint runs until `resumeCheckpoints`.
    private(set) var checkpointsSuspended = true

    /// Opens (creating if needed) and migrates the database: O(1) in the number of stored
    /// sessions. The integrity check is the store's, in the background, after this returns;
    /// checkpoints wait for it (`resumeCheckpoints`).
    init(path: String, busyTimeoutMilliseconds: Int, maxEventsPerSession: Int,
         migrations: [SchemaMigration] = SchemaMigration.all) throws {
        self.path = path
        self.maxEventsPerSession = max(1, maxEventsPerSession)
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        connection = try Self.connect(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        do {
            pageSize = try connection.row("PRAGMA page_size") { $0.int(0) } ?? 4096
            try Self.setAutoCheckpoint(connection, pages: 0)
        } catch let error as SQLiteError {
            throw StoreError(error, operation: "configure \(path)")
        }
        try SchemaMigrator(migrations: migrations).migrate(connection)
        fileIdentity = Self.identity(of: path)
    }

    private static func connect(_ path: String, busyTimeoutMilliseconds: Int) throws -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path)
        } catch {
            throw StoreError(error, operation: "open \(path)")
        }
        do {
            // The C API keeps the value out of SQL text.
            sqlite3_busy_timeout(try connection.rawHandle(), Int32(clamping: busyTimeoutMilliseconds))
            // Before anything reads the file: in EXCLUSIVE locking mode SQLite keeps the WAL index
            // in heap memory instead of memory-mapping the `-shm` file. A mapped `-shm` that
            // becomes unwritable (chattr +i, a full tmpfs) kills the process with SIGBUS on the
            // next write to it; a heap index cannot. The cost: no other process may open the
            // store while agent-fcgi runs (it owns it anyway; a second one fails to start).
            // SQLite cannot read a read-only WAL database this way, so a connection it opened
            // read-only keeps normal locking: it serves reads until the file is writable again.
            if !connection.isReadOnly { try connection.execute("PRAGMA locking_mode = EXCLUSIVE") }
            // WAL lets readers run during a write; NORMAL syncs at checkpoints, not at each
            // commit: a power cut may lose the last commits but never corrupts the file.
            _ = try connection.row("PRAGMA journal_mode = WAL") { $0.text(0) }
            try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        } catch let error as SQLiteError where error.primaryCode == SQLITE_BUSY {
            throw StoreError.inUse(path: path)
        } catch let error as SQLiteError where [SQLITE_CORRUPT, SQLITE_NOTADB].contains(error.primaryCode) {
            // Damage that shows before any page is read for a query (the header, the schema):
            // refused now; damage deeper in the file is the background check's to find.
            throw StoreError.corrupt(path: path, details: error.message)
        } catch let error as SQLiteError {
            throw StoreError(error, operation: "configure \(path)")
        }
        return connection
    }

    /// The background integrity check is over: WAL frames go back into the database file,
    /// automatically (SQLite's default of every 1,000 pages) and at each health probe.
    func resumeCheckpoints() {
        guard checkpointsSuspended else { return }
        checkpointsSuspended = false
        try? Self.setAutoCheckpoint(connection, pages: 1000)
    }

    /// Through the C API, not SQL: the statement counts that prove start-up work does not grow
    /// with the store must not depend on when the background check ends.
    private static func setAutoCheckpoint(_ connection: SQLiteConnection, pages: Int32) throws {
        let code = sqlite3_wal_autocheckpoint(try connection.rawHandle(), pages)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, message: "wal_autocheckpoint", sql: nil) }
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

    /// A real write, committed so the WAL is written too, then a checkpoint into the database
    /// file. With `growing`, the write needs fresh pages (two pages of zeroes, then deleted): it
    /// fails exactly when a growing commit would, which is what a degraded store must prove
    /// before it is trusted again. Without, it rewrites one row in place and allocates nothing:
    /// enough to find a file that cannot be written at all, without leaving free pages behind
    /// that would let a later growing probe pass on a full disk.
    func probeWrite(growing: Bool) throws {
        try checkFilePresent()
        try reopenIfReadOnly()
        // Commits go to the WAL; the database file is written only by checkpoints, whose
        // failures SQLite does not report to the committer. An unwritable database file would
        // otherwise look healthy while the WAL grows without end.
        guard access(path, W_OK) == 0 else { throw StoreError.readOnly(path: path) }
        try connection.transaction {
            if growing {
                try connection.run("INSERT INTO store_probe (payload) VALUES (zeroblob(?))", [.int(pageSize * 2)])
            } else {
                try connection.run("INSERT OR REPLACE INTO store_probe (id, payload) VALUES (1, NULL)")
            }
            try connection.run("DELETE FROM store_probe")
        }
        guard !checkpointsSuspended else { return }
        do {
            // PASSIVE: copies what the WAL holds beyond the last checkpoint (usually little), never waits.
            _ = try connection.row("PRAGMA wal_checkpoint(PASSIVE)") { $0.int(0) }
        } catch let error as SQLiteError {
            throw StoreError(error, operation: "checkpoint into \(path) (the WAL cannot be written back to the database file)")
        }
    }

    /// SQLite silently opens a file it may not write (permissions, immutable attribute)
    /// read-only, and such a connection stays read-only: reopening is how writes resume once
    /// the file is writable again. The old connection goes first: a writable one takes the
    /// file exclusively. Should the new one fail to open, the closed one counts as read-only
    /// and the next probe tries again.
    private func reopenIfReadOnly() throws {
        guard connection.isReadOnly else { return }
        connection.close()
        connection = try Self.connect(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        if checkpointsSuspended { try? Self.setAutoCheckpoint(connection, pages: 0) }
        guard !connection.isReadOnly else { throw StoreError.readOnly(path: path) }
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
