/// How a store's group commit has grouped writes since it opened: counts, so tests and the
/// benchmark can tell batching from luck without timing anything.
public struct GroupCommitStatistics: Sendable, Hashable {
    /// Transactions written (a lone write is a batch of one).
    public var batches = 0
    /// Turn commits written in them.
    public var commits = 0
    /// Every write in them: the turn commits, and on PostgreSQL the session creations and query
    /// starts queued with them.
    public var writes = 0
    /// The most writes one transaction held.
    public var largestBatch = 0

    public init() {}

    mutating func record(batchOf size: Int, commits turnCommits: Int) {
        batches += 1
        commits += turnCommits
        writes += size
        largestBatch = max(largestBatch, size)
    }
}
