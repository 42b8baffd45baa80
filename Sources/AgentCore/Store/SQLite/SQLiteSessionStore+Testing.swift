import Foundation

/// What only tests use: reads and writes outside the `SessionStore` requirements, fault
/// injection, and proof of what an operation touched.
extension SQLiteSessionStore {
    /// The session without its history, or nil.
    public func sessionSummary(id: String) async throws -> SessionSummary? {
        try await read("sessionSummary(\(id))") { try $0.session(id) }.map(Self.summary(decoding:))
    }

    /// Events outside a step's end, with `lastUsedAt` when given.
    public func appendEvents(_ events: [StampedEvent], to sessionId: String, lastUsedAt: Date? = nil) async throws {
        try await commitTurn(TurnCommit(events: events, usage: nil, lastUsedAt: lastUsedAt), to: sessionId)
    }

    /// Clears the running-query marker alone.
    public func endQuery(in sessionId: String) async throws {
        try await write("endQuery(\(sessionId))") { try $0.markRunningQuery(nil, in: sessionId) }
    }

    /// Records use without other changes; false when the session is not stored.
    @discardableResult
    public func touchSession(_ id: String, at date: Date) async throws -> Bool {
        try await write("touchSession(\(id))") { try $0.touchSession(id, at: date) }
    }

    /// Empties history and resets usage, adding it to `clearedUsage` (the lifetime stays);
    /// keeps the event log and `lastSeq` (seqs never repeat). False when the session is not
    /// stored. The one write that decodes JSON on the SQLite thread: the usage to set aside must
    /// be read in the same transaction that resets it (the session layer clears through `commitTurn`).
    @discardableResult
    public func clearSession(_ id: String, at date: Date) async throws -> Bool {
        let emptyJSON = try StoredJSON.encode(SessionUsage(), sessionId: id, what: "usage")
        return try await write("clearSession(\(id))") { database in
            try database.clearSession(id, usageJSON: emptyJSON, at: date) { row in
                let summary = try Self.summary(decoding: row)
                return try StoredJSON.encode(summary.clearedUsage.adding(summary.usage), sessionId: id, what: "cleared usage")
            }
        }
    }

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
