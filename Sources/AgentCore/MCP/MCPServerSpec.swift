import Foundation

/// One operator-configured MCP server (`tools.mcp.NAME`): how to reach it, which of its tools to
/// offer and under which names, and how long to wait for it.
public struct MCPServerSpec: Sendable, Hashable {
    public enum Transport: Sendable, Hashable {
        /// A child process speaking newline-delimited JSON-RPC on stdin/stdout, started from
        /// `argv` (never a shell) in its own process group.
        case stdio(argv: [String], workingDirectory: String?, environmentAllowList: [String], environment: [String: String])
        /// MCP's streamable HTTP transport. Header values had `${VAR}` filled from the server's
        /// environment; `{remote_user}` is filled per request with the requesting principal.
        case http(url: String, headers: [HTTPHeader])

        public var name: String {
            switch self {
            case .stdio: return "stdio"
            case .http: return "http"
            }
        }
    }

    /// The configuration key (`tools.mcp.NAME`), used in logs, /status and metric labels.
    public var name: String
    public var transport: Transport
    /// Only these server tools are offered (nil: all).
    public var include: [String]?
    /// These server tools are never offered.
    public var exclude: [String]
    /// Exposed names are `PREFIX__TOOL` (see `MCPToolName`); default the server's name.
    public var prefix: String
    /// How long connecting, `initialize` and the first `tools/list` may take.
    public var startupTimeout: Duration
    /// How long one `tools/call` may take before it is cancelled and reported to the model.
    public var callTimeout: Duration
    /// true: while it is down `/health` says degraded and queries are refused with 503.
    public var required: Bool
    /// Bytes of a result's text kept; the rest is cut with a note saying so.
    public var outputCap: Int

    public static let defaultEnvironmentAllowList = ["PATH", "LANG", "LC_ALL", "TZ", "HOME"]

    public init(name: String, transport: Transport, include: [String]? = nil, exclude: [String] = [],
                prefix: String? = nil, startupTimeout: Duration = .seconds(10), callTimeout: Duration = .seconds(60),
                required: Bool = false, outputCap: Int = 64 * 1024) {
        self.name = name
        self.transport = transport
        self.include = include
        self.exclude = exclude
        self.prefix = prefix ?? name
        self.startupTimeout = startupTimeout
        self.callTimeout = callTimeout
        self.required = required
        self.outputCap = outputCap
    }

    /// Whether a tool the server lists is offered.
    public func offers(_ tool: String) -> Bool {
        (include?.contains(tool) ?? true) && !exclude.contains(tool)
    }
}
