import CSQLite

/// What a connection's statements have done since it opened; lets tests prove that an
/// operation does not touch every stored row, without timing anything.
final class SQLiteStatistics {
    var statementsRun = 0
    var rowsReturned = 0
    var fullScanSteps = 0

    var snapshot: SQLiteStatisticsSnapshot {
        SQLiteStatisticsSnapshot(statementsRun: statementsRun, rowsReturned: rowsReturned, fullScanSteps: fullScanSteps)
    }
}

/// Work a connection's statements did: statements run, rows returned, and steps of full
/// table scans (`SQLITE_STMTSTATUS_FULLSCAN_STEP`). Counts, so they prove what an operation
/// touched without timing it.
public struct SQLiteStatisticsSnapshot: Sendable, Hashable {
    public var statementsRun: Int
    public var rowsReturned: Int
    public var fullScanSteps: Int
}
