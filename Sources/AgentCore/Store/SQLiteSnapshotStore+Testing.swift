/// Hooks for tests: fault injection and proof of what an operation touched.
extension SQLiteSnapshotStore {
    /// Caps the database at `pages` pages (raised to the current size if lower): a full disk
    /// on demand. Returns the cap in effect.
    func setMaxPageCount(_ pages: Int) async throws -> Int {
        try await thread.perform { try $0.setMaxPageCount(pages) }
    }

    /// What the connection's statements have done since it opened.
    func statistics() async throws -> SQLiteStatisticsSnapshot {
        try await thread.perform { $0.connection.statistics.snapshot }
    }
}
