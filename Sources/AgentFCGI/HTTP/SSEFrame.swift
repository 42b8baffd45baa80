/// Wire encoding of server-sent events (docs/API.md §1.1). Pure functions, usable from any thread.
public enum SSEFrame {
    /// `id: <id>\ndata: <data>\n\n`. A payload with line breaks becomes several `data:` lines,
    /// which EventSource joins back with `\n`; our JSON payloads are one line anyway.
    public static func event(id: Int?, data: String) -> String {
        var frame = ""
        if let id { frame += "id: \(id)\n" }
        // Our JSON payloads never hold a raw line break: skip the split for them.
        if !data.utf8.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            return frame + "data: " + data + "\n\n"
        }
        // "\r\n" is a single Character in Swift, so it is listed as a separator of its own.
        let lines = data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for line in lines {
            frame += "data: \(line)\n"
        }
        return frame + "\n"
    }

    /// A comment line, ignored by clients; a newline in `text` would end it, so it is replaced.
    public static func comment(_ text: String) -> String {
        ": " + text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") + "\n\n"
    }

    /// Heartbeat written while the producer is quiet, so proxies see traffic and aborts are noticed.
    public static let ping = ": ping\n\n"
    /// Last frame of every stream.
    public static let done = ": done\n\n"
}
