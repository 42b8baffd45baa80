/// How a session's stored history changes in a `TurnCommit`.
public enum HistoryChange: Sendable, Hashable {
    case unchanged
    /// Messages added after the first `from` stored ones (`from` is the count previously
    /// committed; a smaller one drops the stored messages from there on).
    case append(from: Int, messages: [ChatMessage])
    /// Rewritten (compaction, clear): the whole new history.
    case replace(with: [ChatMessage])

    /// The smallest change that turns `old` into `new`.
    public static func between(_ old: [ChatMessage], _ new: [ChatMessage]) -> HistoryChange {
        if old == new { return .unchanged }
        if new.count > old.count, Array(new.prefix(old.count)) == old {
            return .append(from: old.count, messages: Array(new.dropFirst(old.count)))
        }
        return .replace(with: new)
    }
}
