/// One MCP server as `/status` and `/metrics` show it.
public struct MCPServerStatus: Sendable, Hashable {
    public var name: String
    public var transport: String
    /// starting, up, down (or stopped, briefly, during a reload).
    public var state: String
    public var required: Bool
    /// Tools offered from its last known list (after include/exclude).
    public var tools: Int
    public var calls: Int
    /// Calls that ended as an error result (the server's `isError`, a timeout, the server down).
    public var errors: Int
    /// Connection attempts after the first: process restarts or HTTP reconnects.
    public var restarts: Int
    public var latencyP50Milliseconds: Double?
    public var latencyP95Milliseconds: Double?
    /// Why it is down, or what last went wrong.
    public var lastError: String?

    public var isUp: Bool { state == "up" }

    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "transport": .string(transport), "state": .string(state), "required": .bool(required),
            "tools": .number(Double(tools)), "calls": .number(Double(calls)), "errors": .number(Double(errors)),
            "restarts": .number(Double(restarts)),
            "latency_ms": .object(["p50": latencyP50Milliseconds.map(JSONValue.number) ?? .null,
                                   "p95": latencyP95Milliseconds.map(JSONValue.number) ?? .null]),
        ]
        if let lastError { fields["last_error"] = .string(lastError) }
        return .object(fields)
    }
}
