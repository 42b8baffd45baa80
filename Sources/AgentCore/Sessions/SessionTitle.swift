/// How a session is named in listings: its first user message, on one line and shortened,
/// so a client can show a list people recognise instead of bare ids.
public enum SessionTitle {
    /// Characters kept; a longer message is cut and ends with "…".
    public static let maxLength = 80

    /// nil for a message with nothing to show (the next message gets its chance).
    public static func from(message: String) -> String? {
        let words = message.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        let line = words.joined(separator: " ")
        guard line.count > maxLength else { return line }
        return String(line.prefix(maxLength - 1)) + "…"
    }
}
