import Foundation

/// A `sessions` row as read on a pool thread, JSON still text; decoded off that thread.
struct PostgresSessionRow: Sendable {
    /// The column list every session query selects, in `init(_:_:)`'s order.
    static let columns = """
        id, owner, created_at, last_used_at, system_prompt_json, usage, message_count, last_seq, running_query_id, \
        model, cleared_usage, title_json, version, pending_approvals
        """

    var id: String
    var owner: String?
    var createdAt: Double
    var lastUsedAt: Double
    var systemPromptJSON: String?
    var usageJSON: String
    var messageCount: Int
    var lastSeq: Int64
    var runningQueryId: String?
    var model: String?
    /// NULL: nothing set aside by clears.
    var clearedUsageJSON: String?
    var titleJSON: String?
    var version: Int64
    /// NULL: nothing waits for approval.
    var pendingApprovalsJSON: String?

    init(_ rows: PostgresRows, _ row: Int) {
        id = rows.text(row, 0)
        owner = rows.optionalText(row, 1)
        createdAt = rows.double(row, 2)
        lastUsedAt = rows.double(row, 3)
        systemPromptJSON = rows.optionalText(row, 4)
        usageJSON = rows.text(row, 5)
        messageCount = rows.int(row, 6)
        lastSeq = rows.int64(row, 7)
        runningQueryId = rows.optionalText(row, 8)
        model = rows.optionalText(row, 9)
        clearedUsageJSON = rows.optionalText(row, 10)
        titleJSON = rows.optionalText(row, 11)
        version = rows.int64(row, 12)
        pendingApprovalsJSON = rows.optionalText(row, 13)
    }

    /// The row decoded, in the caller's task (see `PostgresSessionStore`).
    func summary() throws -> SessionSummary {
        SessionSummary(id: id, owner: owner, createdAt: Date(timeIntervalSince1970: createdAt),
                       lastUsedAt: Date(timeIntervalSince1970: lastUsedAt),
                       systemPrompt: try systemPromptJSON.map { try decode(String.self, $0, what: "system prompt") },
                       usage: try decode(SessionUsage.self, usageJSON, what: "usage"),
                       clearedUsage: try clearedUsageJSON.map { try decode(SessionUsage.self, $0, what: "cleared usage") }
                           ?? SessionUsage(),
                       title: try titleJSON.map { try decode(String.self, $0, what: "title") },
                       messageCount: messageCount, lastSeq: lastSeq, runningQueryId: runningQueryId, model: model,
                       pendingApprovals: try StoredJSON.pendingApprovals(pendingApprovalsJSON, sessionId: id),
                       version: version)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ json: String, what: String) throws -> T {
        try StoredJSON.decode(type, json, sessionId: id, what: what)
    }
}
