/// The bound that lets crash recovery keep `seq` unique: a session streams events live before
/// committing them, so after a crash the client may have seen seqs the store never got.
public enum EventLogLimits {
    /// A session never holds more than this many emitted-but-uncommitted events: it commits
    /// the pending ones (with the history of the last completed step) when it reaches it.
    /// Recovery numbers its `final{interrupted}` above the stored last seq plus this, so the
    /// event is newer than anything a client could have seen before the crash.
    public static let maxUncommittedEvents = 256
}
