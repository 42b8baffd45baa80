import CSQLite

/// A prepared statement. Thread-confined like its `SQLiteConnection`: it lives and dies on
/// the SQLite thread. Cached statements are reused, so every use starts with `bind` (which
/// resets) and reads columns only between `step()` returning true and the next `step()`.
final class SQLiteStatement {
    let sql: String
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    private let statistics: SQLiteStatistics

    init(sql: String, connection: OpaquePointer, statistics: SQLiteStatistics) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError(code: code, connection: connection, sql: sql)
        }
        self.sql = sql
        self.handle = statement
        self.connection = connection
        self.statistics = statistics
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Resets the statement and binds `values` to parameters 1…n.
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        reset()
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                // Explicit byte length: text may contain NUL, which a C-string length would cut at.
                code = agent_sqlite3_bind_text_transient(handle, index, text, Int32(clamping: text.utf8.count))
            }
            guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection, sql: sql) }
        }
    }

    /// Advances to the next row: true when a row is available, false when done.
    @available(*, noasync, message: "SQLite I/O: only on the SQLite thread (SQLiteThread.perform)")
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            statistics.rowsReturned += 1
            return true
        case SQLITE_DONE:
            return false
        default:
            let error = SQLiteError(code: code, connection: connection, sql: sql)
            reset()
            throw error
        }
    }

    /// Runs to completion, ignoring rows.
    func run() throws(SQLiteError) {
        while try step() {}
        reset()
    }

    /// Ends the current use and folds its work into the connection's statistics.
    func reset() {
        statistics.statementsRun += Int(sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_RUN, 1))
        statistics.fullScanSteps += Int(sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1))
        sqlite3_reset(handle)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
}
