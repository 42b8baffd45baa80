/// A failed PostgreSQL operation: what we were doing, the server's SQLSTATE and message, and
/// what the operator can do about it. Never contains the password (it is never in the URL
/// we print: configuration refuses one there).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What the store was doing (`commit(s1)`, `connect`, `migration to schema v2`).
    public var operation: String
    /// The five-character SQLSTATE (`08006`, `53100`); nil when libpq failed before the server answered.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The connection is gone (or never came up): the pool reconnects with backoff.
    public var connectionLost: Bool

    public init(operation: String, sqlState: String?, message: String, detail: String? = nil, hint: String? = nil,
                connectionLost: Bool) {
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.connectionLost = connectionLost
    }

    /// The database cannot take writes right now (down, unreachable, full, read-only, refusing
    /// us), as opposed to a bug or a race in one statement: `/health` degrades on these.
    public var isStorageFailure: Bool {
        if connectionLost { return true }
        guard let sqlState else { return true }
        if sqlState == "25006" { return true }  // read-only transaction: a standby
        switch sqlState.prefix(2) {
        case "08", "28", "3D", "53", "57", "58", "XX": return true
        default: return sqlState == "42501"  // insufficient privilege: nothing will work until it is granted
        }
    }

    /// A transient conflict worth retrying the whole transaction for.
    public var isRetryableConflict: Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    public var description: String {
        var text = "PostgreSQL store: \(operation) failed: \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail, !detail.isEmpty { text += "; \(detail)" }
        if let hint, !hint.isEmpty { text += "; hint: \(hint)" }
        if let advice { text += " — \(advice)" }
        return text
    }

    /// What to do, for the states an operator can fix.
    var advice: String? {
        guard let sqlState else {
            return connectionLost ? "check that PostgreSQL is running and reachable at storage.url; agent-fcgi "
                + "reconnects by itself" : nil
        }
        switch sqlState {
        case "3D000": return "create the database (createdb) or fix the database name in storage.url"
        case "42501": return "grant the role in storage.url the rights on the database and its tables"
        case "25006": return "storage.url points at a read-only server (a standby?); point it at the primary"
        case "53100": return "the database server's disk is full; free space there"
        case "57P01", "57P02", "57P03": return "the server is restarting or shutting down; agent-fcgi reconnects by itself"
        default: break
        }
        switch sqlState.prefix(2) {
        case "08": return "check that PostgreSQL is running and reachable at storage.url; agent-fcgi reconnects by itself"
        case "28": return "check the user in storage.url and its password (storage.password_file, PGPASSWORD or ~/.pgpass)"
        case "53": return "the database server is out of resources (connections, memory, disk); "
            + "raise its limits or lower storage.pool_size"
        default: return nil
        }
    }
}
