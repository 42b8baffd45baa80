import CSQLite

/// One libsqlite3 connection. Not Sendable on purpose: it is created, used and closed on the
/// SQLite thread only (`SQLiteThread`), so no call can block the cooperative pool.
///
/// Statements given as string literals are prepared once and cached by their text.
final class SQLiteConnection {
    struct OpenFlags: OptionSet {
        let rawValue: Int32
        static let readOnly = OpenFlags(rawValue: SQLITE_OPEN_READONLY)
        static let readWrite = OpenFlags(rawValue: SQLITE_OPEN_READWRITE)
        static let create = OpenFlags(rawValue: SQLITE_OPEN_CREATE)
        /// Each connection is confined to one thread; SQLite's own mutexes are not needed.
        static let noMutex = OpenFlags(rawValue: SQLITE_OPEN_NOMUTEX)
        /// `path` is a `file:` URI (its query options, such as `immutable=1`, apply).
        static let uri = OpenFlags(rawValue: SQLITE_OPEN_URI)
        static let `default`: OpenFlags = [.readWrite, .create, .noMutex]
    }

    let path: String
    let statistics = SQLiteStatistics()
    private var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]

    @available(*, noasync, message: "SQLite I/O: only on the SQLite thread (SQLiteThread.perform)")
    init(path: String, flags: OpenFlags = .default) throws(SQLiteError) {
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags.rawValue | SQLITE_OPEN_EXRESCODE, nil)
        guard code == SQLITE_OK, let connection else {
            let error = SQLiteError(code: code, connection: connection, sql: nil)
            sqlite3_close_v2(connection)
            throw SQLiteError(code: error.code, message: "cannot open \(path): \(error.message)", sql: nil)
        }
        self.path = path
        self.handle = connection
        sqlite3_extended_result_codes(connection, 1)
    }

    deinit {
        close()
    }

    func close() {
        cache.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    private func open() throws(SQLiteError) -> OpaquePointer {
        guard let handle else { throw SQLiteError(code: SQLITE_MISUSE, message: "connection to \(path) is closed", sql: nil) }
        return handle
    }

    /// A cached prepared statement for `sql`.
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        let statement = try SQLiteStatement(sql: sql, connection: try open(), statistics: statistics)
        cache[sql] = statement
        return statement
    }

    /// Runs one statement with `values` bound, ignoring result rows.
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try statement(sql)
        try statement.bind(values)
        try statement.run()
    }

    /// Every row of a query, each mapped while the statement is on it.
    func rows<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        var result: [T] = []
        while try statement.step() { result.append(try map(statement)) }
        return result
    }

    /// The first row of a query, if any.
    func row<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (SQLiteStatement) throws -> T) throws -> T? {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? map(statement) : nil
    }

    /// Runs a script of statements (schema, pragmas) without caching them. Rows are ignored.
    @available(*, noasync, message: "SQLite I/O: only on the SQLite thread (SQLiteThread.perform)")
    func execute(_ script: String) throws(SQLiteError) {
        let connection = try open()
        var utf8 = Array(script.utf8CString)
        try utf8.withUnsafeMutableBufferPointer { (buffer) throws(SQLiteError) in
            guard var cursor = UnsafePointer(buffer.baseAddress) else { return }
            while cursor.pointee != 0 {
                var raw: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(connection, cursor, -1, &raw, &tail)
                guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection, sql: script) }
                guard let raw else { break }  // only whitespace or comments left
                defer { sqlite3_finalize(raw) }
                var stepCode = sqlite3_step(raw)
                while stepCode == SQLITE_ROW {
                    statistics.rowsReturned += 1
                    stepCode = sqlite3_step(raw)
                }
                statistics.statementsRun += 1
                guard stepCode == SQLITE_DONE else {
                    throw SQLiteError(code: stepCode, connection: connection, sql: String(cString: sqlite3_sql(raw)))
                }
                guard let tail else { break }
                cursor = tail
            }
        }
    }

    /// `BEGIN IMMEDIATE` … `COMMIT`; rolls back when `body` throws or the commit fails.
    /// IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a
    /// lock upgrade.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            if let handle, sqlite3_get_autocommit(handle) == 0 { try? run("ROLLBACK") }
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int {
        handle.map { Int(sqlite3_changes($0)) } ?? 0
    }

    /// Pages the connection has fetched through its cache (hits and misses) since it opened:
    /// how much of the file an operation touched, as a count rather than a time.
    var pageFetches: Int {
        guard let handle else { return 0 }
        var total = 0
        for op in [SQLITE_DBSTATUS_CACHE_HIT, SQLITE_DBSTATUS_CACHE_MISS] {
            var current: Int32 = 0
            var highwater: Int32 = 0
            sqlite3_db_status(handle, op, &current, &highwater, 0)
            total += Int(current)
        }
        return total
    }

    /// True when SQLite opened the file read-only (e.g. it could not open it for writing).
    var isReadOnly: Bool {
        handle.map { sqlite3_db_readonly($0, "main") == 1 } ?? true
    }
}

extension SQLiteConnection {
    /// The libsqlite3 handle, for the few C calls that have no SQL form (`sqlite3_busy_timeout`).
    func rawHandle() throws(SQLiteError) -> OpaquePointer {
        try open()
    }
}
