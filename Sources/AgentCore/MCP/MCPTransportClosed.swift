/// The connection to an MCP server is gone (process exited, HTTP session lost, server
/// unreachable). Ends the SDK client's receive loop; the supervisor reconnects.
struct MCPTransportClosed: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
