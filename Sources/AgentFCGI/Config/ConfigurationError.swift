/// A configuration problem the operator must fix, said with where and why; start-up stops on it.
struct ConfigurationError: Error, CustomStringConvertible {
    /// The file, or "environment"/"command line" when the value came from there.
    var source: String
    /// The dotted key, e.g. `sessions.max_sessions`.
    var key: String
    var reason: String

    var description: String { "\(source): \(key): \(reason)" }
}
