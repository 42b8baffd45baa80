/// A `sessions` row as read on a pool thread, JSON still text; decoded off that thread.
struct PostgresSessionRow: Sendable {
    /// The column list every session query selects, in `init(_:_:)`'s order.
    static let columns = """
        id, owner, created_at, last_used_at, system_prompt_json, usage, message_count, last_seq, running_query_id
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
    }
}
