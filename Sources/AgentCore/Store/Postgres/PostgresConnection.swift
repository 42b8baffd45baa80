import CPostgres
import Foundation

/// One libpq connection. Not Sendable, and every call blocks: it is created, used and closed
/// on one `PostgresPool` thread only, never on the cooperative pool (hence `noasync`).
///
/// Statements are prepared on first use and executed by name afterwards; parameters always
/// travel separately from the SQL text.
final class PostgresConnection {
    /// Where it connected, for messages (`agentfcgi on /run/postgresql`); never the password.
    let target: String
    private var handle: OpaquePointer?
    private var prepared: Set<String> = []
    /// Set when the protocol state is no longer known (a pipeline sent in part).
    var abandoned = false

    /// Connects and checks the server is one we can use. Throws `PostgresError` with
    /// `connectionLost` set when the server cannot be reached or refuses us.
    @available(*, noasync)
    init(settings: PostgresConnectionSettings) throws(PostgresError) {
        let password = try settings.readPasswordFile()
        var pairs: [(String, String)] = [("connect_timeout", String(settings.connectTimeoutSeconds)),
                                         ("application_name", settings.applicationName), ("dbname", settings.url),
                                         ("client_encoding", "UTF8")]
        if let password { pairs.append(("password", password)) }
        let keywords = pairs.map { strdup($0.0) } + [nil]
        let values = pairs.map { strdup($0.1) } + [nil]
        defer { (keywords + values).forEach { free($0) } }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keywordBuffer.baseAddress, valueBuffer.baseAddress, 1)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { Self.trimmed(PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(connection)
            throw PostgresError(operation: "connect to \(settings.url)", sqlState: Self.sqlState(fromConnectMessage: message),
                                message: message, connectionLost: true)
        }
        // libpq prints NOTICEs to stderr by default; the store's statements raise none worth a line.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
        let database = String(cString: PQdb(connection))
        let host = String(cString: PQhost(connection))
        target = "\(database) on \(host)"
        // Times are float8 read back as text; only 12+ prints the shortest exact form by default.
        guard PQserverVersion(connection) >= 120_000 else {
            let version = PQserverVersion(connection)
            close()
            throw PostgresError(operation: "connect to \(settings.url)", sqlState: nil,
                                message: "the server runs PostgreSQL \(version / 10_000); agent-fcgi needs 12 or newer",
                                connectionLost: true)
        }
    }

    deinit {
        close()
    }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        prepared.removeAll()
    }

    /// The connection is unusable (server gone, socket closed): the pool replaces it.
    var isBroken: Bool {
        guard let handle, !abandoned else { return true }
        return PQstatus(handle) != CONNECTION_OK
    }

    /// Finds out without a round trip whether the server closed the connection while it sat
    /// idle (a restart, an idle-session timeout, a terminated backend): the server sends an
    /// error and closes, so an idle socket with something to read is read until libpq sees
    /// the end (the error and the close may arrive in separate reads). Returns `isBroken`.
    func checkIdleConnection() -> Bool {
        guard let handle else { return true }
        for _ in 0..<4 where !isBroken {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { break }
            if PQconsumeInput(handle) == 0 { break }
        }
        return isBroken
    }

    /// Results received since the connection opened: a job whose connection died before this
    /// moved had nothing executed by the server (see `PostgresPool.perform`).
    var answered = 0

    /// Requests sent that waited for the server's answer (a statement, a prepare, a whole
    /// pipeline): what the pool counts per store operation (`PostgresPool.roundTrips`).
    var roundTrips = 0

    /// Inside a transaction block (open or failed) rather than idle.
    var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs SQL text without parameters through the simple protocol: several statements may be
    /// separated by semicolons (migration scripts, BEGIN/COMMIT).
    @available(*, noasync)
    func execute(_ sql: String, operation: String) throws(PostgresError) {
        let handle = try open(operation)
        roundTrips += 1
        let result = PQexec(handle, sql)
        _ = try check(result, operation: operation)
    }

    /// Runs a prepared statement (preparing it first on this connection if needed).
    @available(*, noasync)
    @discardableResult
    func query(_ statement: PostgresStatement, _ parameters: [PostgresValue] = [],
               operation: String) throws(PostgresError) -> PostgresRows {
        let handle = try open(operation)
        try prepare(statement, on: handle, operation: operation)
        let texts = try Self.texts(parameters, operation: operation)
        defer { texts.forEach { free($0) } }
        roundTrips += 1
        let result = texts.map { UnsafePointer($0) }.withUnsafeBufferPointer {
            PQexecPrepared(handle, statement.name, Int32(texts.count), $0.baseAddress, nil, nil, 0)
        }
        return try check(result, operation: operation)!
    }

    /// Rolls back whatever transaction a failed job left open (no-op when idle).
    @available(*, noasync)
    func rollbackIfNeeded() {
        guard isInTransaction, let handle else { return }
        roundTrips += 1
        PQclear(PQexec(handle, "ROLLBACK"))
    }

    // MARK: Plumbing

    func open(_ operation: String) throws(PostgresError) -> OpaquePointer {
        guard let handle, !isBroken else { throw connectionError(operation) }
        return handle
    }

    func prepare(_ statement: PostgresStatement, on handle: OpaquePointer, operation: String) throws(PostgresError) {
        guard !prepared.contains(statement.name) else { return }
        roundTrips += 1
        _ = try check(PQprepare(handle, statement.name, statement.sql, 0, nil), operation: "\(operation): prepare \(statement.name)")
        prepared.insert(statement.name)
    }

    /// The result as rows, or the error it carries (the result is freed then).
    private func check(_ result: OpaquePointer?, operation: String) throws(PostgresError) -> PostgresRows? {
        guard let result else { throw connectionError(operation) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            let failure = error(from: result, operation: operation)
            PQclear(result)
            throw failure
        }
        answered += 1
        return PostgresRows(result)
    }

    func error(from result: OpaquePointer, operation: String) -> PostgresError {
        let primary = agent_pq_primary(result).map { String(cString: $0) } ?? Self.trimmed(PQresultErrorMessage(result))
        return PostgresError(operation: operation, sqlState: agent_pq_sqlstate(result).map { String(cString: $0) },
                             message: primary.isEmpty ? "unknown error" : primary,
                             detail: agent_pq_detail(result).map { String(cString: $0) },
                             hint: agent_pq_hint(result).map { String(cString: $0) }, connectionLost: isBroken)
    }

    func connectionError(_ operation: String) -> PostgresError {
        let message = handle.map { Self.trimmed(PQerrorMessage($0)) } ?? ""
        return PostgresError(operation: operation, sqlState: nil,
                             message: message.isEmpty ? "no connection to the database" : message, connectionLost: true)
    }

    /// Parameters as C strings (nil for NULL). PostgreSQL text cannot hold NUL, and a C string
    /// would silently stop at one, so such a value is refused rather than truncated.
    static func texts(_ parameters: [PostgresValue], operation: String) throws(PostgresError)
        -> [UnsafeMutablePointer<CChar>?] {
        var texts: [UnsafeMutablePointer<CChar>?] = []
        for parameter in parameters {
            guard let text = parameter.textForm else { texts.append(nil); continue }
            if text.utf8.contains(0) {
                texts.forEach { free($0) }
                throw PostgresError(operation: operation, sqlState: "22021",
                                    message: "a text value contains a NUL character, which PostgreSQL cannot store",
                                    connectionLost: false)
            }
            texts.append(strdup(text))
        }
        return texts
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// libpq reports connection-time failures as text only; the authentication ones are
    /// worth a SQLSTATE so the advice names the password.
    private static func sqlState(fromConnectMessage message: String) -> String? {
        if message.contains("password authentication failed") || message.contains("no password supplied") {
            return "28P01"
        }
        if message.contains("does not exist") && message.contains("database") { return "3D000" }
        return nil
    }
}
