/// How a store's group commit has grouped turn commits since it opened: counts, so tests and
/// the benchmark can tell batching from luck without timing anything.
public struct GroupCommitStatistics: Sendable, Hashable {
    /// Transactions written (a lone commit is a batch of one).
    public var batches = 0
    /// Turn commits written in them.
    public var commits = 0
    /// The most commits one transaction held.
    public var largestBatch = 0

    public init() {}

    mutating func record(batchOf size: Int) {
        batches += 1
        commits += size
        largestBatch = max(largestBatch, size)
    }
}
