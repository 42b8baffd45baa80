/// Fault injection for tests, and proof of what an operation touched.
extension SQLiteSnapshotStore {
    /// Caps the database at `pages` pages (raised to the current size if lower): a full disk
    /// on demand. Returns the cap in effect.
    func setMaxPageCount(_ pages: Int) async throws -> Int {
        try await thread.perform { try $0.setMaxPageCount(pages) }
    }

    /// What the connection's statements have done since it opened (the start-up log line
    /// reports it, so start-up work can be checked against the store's size).
    public func statistics() async throws -> SQLiteStatisticsSnapshot {
        try await thread.perform { $0.connection.statistics.snapshot }
    }

    /// Pages fetched since the connection opened (see `SQLiteConnection.pageFetches`).
    func pageFetches() async throws -> Int {
        try await thread.perform { $0.connection.pageFetches }
    }
}
