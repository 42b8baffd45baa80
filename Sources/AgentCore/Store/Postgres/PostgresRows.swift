import CPostgres

/// The rows of one statement's result (text format), read in place and freed with the value.
/// Not Sendable: it lives and dies on the pool thread that ran the statement.
final class PostgresRows {
    private let result: OpaquePointer
    let count: Int
    /// Rows touched by an INSERT/UPDATE/DELETE (`PQcmdTuples`), 0 for other statements.
    let affected: Int

    init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
        affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    deinit {
        PQclear(result)
    }

    func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(result, Int32(row), Int32(column)) == 1
    }

    func text(_ row: Int, _ column: Int) -> String {
        String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    func optionalText(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : text(row, column)
    }

    func int64(_ row: Int, _ column: Int) -> Int64 {
        Int64(text(row, column)) ?? 0
    }

    func int(_ row: Int, _ column: Int) -> Int {
        Int(text(row, column)) ?? 0
    }

    /// float8 columns: PostgreSQL 12+ prints the shortest text that reads back exactly.
    func double(_ row: Int, _ column: Int) -> Double {
        Double(text(row, column)) ?? 0
    }

    func map<T>(_ transform: (Int) throws -> T) rethrows -> [T] {
        try (0..<count).map(transform)
    }
}
