import Foundation

/// Everything one agent step changed, written in ONE transaction by `SnapshotStore.commitStep`:
/// once that returns, the step is on disk.
public struct StepCommit: Sendable, Hashable {
    /// How the stored history changes: the messages from index `from` on become `messages`.
    /// Appending a step is `from` = stored count; compaction rewrites with `from` = 0.
    public struct History: Sendable, Hashable {
        public var from: Int
        public var messages: [ChatMessage]

        public init(from: Int, messages: [ChatMessage]) {
            self.from = from
            self.messages = messages
        }

        /// `messages` appended after the first `index` stored messages.
        public static func appending(_ messages: [ChatMessage], at index: Int) -> History {
            History(from: index, messages: messages)
        }

        /// The whole history replaced (compaction).
        public static func replacingAll(with messages: [ChatMessage]) -> History {
            History(from: 0, messages: messages)
        }
    }

    /// What happens to the session's running-query marker in the same transaction.
    public enum QueryMark: Sendable, Hashable {
        case unchanged
        /// A query started: after a crash, recovery closes it with `final{interrupted}`.
        case running(queryId: String)
        /// The query ended (its `final`/`error` is in this commit or an earlier one).
        case finished
    }

    public var history: History?
    public var events: [StampedEvent]
    public var usage: SessionUsage?
    public var clearedUsage: SessionUsage?
    public var lastUsedAt: Date
    public var query: QueryMark

    /// - Parameters:
    ///   - history: nil leaves the stored history as it is.
    ///   - events: must carry seqs strictly increasing and above the stored `lastSeq`.
    ///   - usage: nil leaves the stored usage as it is.
    ///   - clearedUsage: the usage set aside by clears (see `SessionRecord`); nil leaves it as it is.
    public init(history: History?, events: [StampedEvent] = [], usage: SessionUsage?, clearedUsage: SessionUsage? = nil,
                lastUsedAt: Date, query: QueryMark = .unchanged) {
        self.history = history
        self.events = events
        self.usage = usage
        self.clearedUsage = clearedUsage
        self.lastUsedAt = lastUsedAt
        self.query = query
    }
}
