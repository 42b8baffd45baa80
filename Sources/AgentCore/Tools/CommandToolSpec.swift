import Foundation

/// An operator-defined tool that runs a program (from the config file; no Swift needed).
///
/// The program gets the call's arguments as one line of JSON on stdin; what it writes to stdout
/// is the result; stderr goes to the log; a non-zero exit is an error result. It is started
/// directly from `argv` — never through a shell — in its own process group, which is killed on
/// timeout or cancellation.
public struct CommandToolSpec: Sendable, Hashable {
    public var name: String
    public var description: String
    /// JSON Schema of the arguments; the default takes an object with any properties.
    public var parameters: JSONValue
    /// Program and its arguments. `argv[0]` without a `/` is looked up in the server's PATH.
    public var argv: [String]
    /// nil: the server's working directory.
    public var workingDirectory: String?
    /// Names of server environment variables passed through (others are not).
    public var environmentAllowList: [String]
    /// Variables set for the program; they win over passed-through ones.
    public var environment: [String: String]
    /// Default 30 s.
    public var timeout: Duration
    /// Bytes of stdout kept (default 64 KiB); past it the process group is killed and the
    /// result is cut, with a note saying so.
    public var outputCap: Int
    /// Keep only the last N outputs of this tool in the context sent to the model.
    public var ephemeral: Int?
    public var displayName: String?

    public init(name: String, description: String, parameters: JSONValue = ["type": "object"], argv: [String],
                workingDirectory: String? = nil, environmentAllowList: [String] = ["PATH", "LANG", "LC_ALL", "TZ"],
                environment: [String: String] = [:], timeout: Duration = .seconds(30), outputCap: Int = 64 * 1024,
                ephemeral: Int? = nil, displayName: String? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.argv = argv
        self.workingDirectory = workingDirectory
        self.environmentAllowList = environmentAllowList
        self.environment = environment
        self.timeout = timeout
        self.outputCap = outputCap
        self.ephemeral = ephemeral
        self.displayName = displayName
    }
}
