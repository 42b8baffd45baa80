/// The principal a request to an MCP server is made for, so the HTTP transport can fill
/// `{remote_user}` in its headers. A task-local because the SDK's client hands the transport
/// bare bytes; it carries the value into the task that sends them.
enum MCPRequestUser {
    @TaskLocal static var name: String?

    /// The value as it may go into a header: no control characters (no header injection),
    /// empty when the request is made for nobody (start-up, `tools/list`, a session without owner).
    static func headerValue(_ name: String?) -> String {
        String(String.UnicodeScalarView((name ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }

    static func fill(_ headers: [HTTPHeader], user: String?) -> [HTTPHeader] {
        let value = headerValue(user)
        return headers.map { HTTPHeader($0.name, $0.value.replacingOccurrences(of: "{remote_user}", with: value)) }
    }
}
