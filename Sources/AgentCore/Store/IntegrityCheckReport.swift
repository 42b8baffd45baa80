/// The store's integrity check since start-up (`/status`): SQLite's `PRAGMA quick_check` runs
/// in the background after the store opened, so start-up does not read the whole file.
public struct IntegrityCheckReport: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Still reading the file.
        case running
        case passed
        /// The file is damaged: `problem` says where; the store reports itself degraded.
        case failed
        /// The store closed before the check finished.
        case interrupted
    }

    public var state: State
    /// How long the check took (nil while it runs).
    public var durationSeconds: Double?
    /// What the check found, for a failed one.
    public var problem: String?

    public init(state: State, durationSeconds: Double? = nil, problem: String? = nil) {
        self.state = state
        self.durationSeconds = durationSeconds
        self.problem = problem
    }
}
