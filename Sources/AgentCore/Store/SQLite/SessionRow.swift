/// A `sessions` row as read on the SQLite thread, usages still JSON text; decoded into a
/// `SessionSummary` off that thread.
struct SessionRow: Sendable {
    /// The column list every session query selects, in `init(_:)`'s order.
    static let columns = """
        id, owner, created_at, last_used_at, system_prompt, usage, message_count, last_seq, running_query_id, \
        model, cleared_usage, title, version, pending_approvals
        """

    var id: String
    var owner: String?
    var createdAt: Double
    var lastUsedAt: Double
    var systemPrompt: String?
    var usageJSON: String
    var messageCount: Int
    var lastSeq: Int64
    var runningQueryId: String?
    var model: String?
    /// NULL until a commit wrote it (and in rows from before schema v5): nothing set aside.
    var clearedUsageJSON: String?
    var title: String?
    var version: Int64
    /// NULL: nothing waits for approval.
    var pendingApprovalsJSON: String?

    init(_ row: SQLiteStatement) {
        id = row.text(0)
        owner = row.optionalText(1)
        createdAt = row.double(2)
        lastUsedAt = row.double(3)
        systemPrompt = row.optionalText(4)
        usageJSON = row.text(5)
        messageCount = row.int(6)
        lastSeq = row.int64(7)
        runningQueryId = row.optionalText(8)
        model = row.optionalText(9)
        clearedUsageJSON = row.optionalText(10)
        title = row.optionalText(11)
        version = row.int64(12)
        pendingApprovalsJSON = row.optionalText(13)
    }
}
