import CSQLite

/// A failed libsqlite3 call: the extended result code, SQLite's message and the statement
/// that failed, so a log line says what happened and to what.
struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// Extended result code (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …).
    var code: Int32
    var message: String
    var sql: String?

    /// The primary result code (`SQLITE_IOERR` for `SQLITE_IOERR_WRITE`).
    var primaryCode: Int32 { code & 0xFF }

    /// The storage itself is failing (full, unwritable, gone), as opposed to a bug in a statement.
    var isStorageFailure: Bool {
        [SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_BUSY,
         SQLITE_LOCKED, SQLITE_PERM].contains(primaryCode)
    }

    var description: String {
        let name = String(cString: sqlite3_errstr(code))
        var text = "SQLite error \(code) (\(name)): \(message)"
        if let sql { text += " [in: \(sql.prefix(200))]" }
        return text
    }

    /// The error the connection reports for the call that just returned `code`.
    init(code: Int32, connection: OpaquePointer?, sql: String?) {
        self.code = connection.map { sqlite3_extended_errcode($0) } ?? code
        if self.code == SQLITE_OK || (self.code & 0xFF) != (code & 0xFF) { self.code = code }
        self.message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        self.sql = sql
    }

    init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }
}
