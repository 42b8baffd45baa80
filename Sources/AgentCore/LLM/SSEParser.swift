/// Incremental text/event-stream parser (WHATWG rules): LF, CRLF or CR line ends, `:` comments,
/// multi-line `data:`, `event:`, `id:`. Bytes may be split anywhere, inside a CRLF or a UTF-8
/// sequence included, because lines are decoded only once complete.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var skipLeadingLF = false
    private var sawFirstLine = false
    private var data: [String] = []
    private var hasData = false
    private var event: String?
    private var id: String?

    public init() {}

    /// Feeds bytes, returning the events they completed.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [SSEEvent] where Bytes.Element == UInt8 {
        var events: [SSEEvent] = []
        for byte in bytes {
            if skipLeadingLF {
                skipLeadingLF = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A: endLine(into: &events)
            case 0x0D:
                endLine(into: &events)
                skipLeadingLF = true
            default: line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream. An event left without its closing blank line is still delivered: the
    /// caller decides from the protocol whether the stream was complete.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        return events
    }

    private mutating func endLine(into events: inout [SSEEvent]) {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if !sawFirstLine {
            sawFirstLine = true
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty {
            dispatch(into: &events)
            return
        }
        if bytes.first == UInt8(ascii: ":") { return }
        let field: String
        var value = ""
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            var rest = bytes[bytes.index(after: colon)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = String(decoding: rest, as: UTF8.self)
            field = String(decoding: bytes[..<colon], as: UTF8.self)
        } else {
            field = String(decoding: bytes, as: UTF8.self)
        }
        switch field {
        case "data":
            data.append(value)
            hasData = true
        case "event": event = value
        case "id": if !value.contains("\u{0}") { id = value }
        default: break
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        if hasData {
            events.append(SSEEvent(event: event, data: data.joined(separator: "\n"), id: id))
        }
        data.removeAll()
        hasData = false
        event = nil
    }
}
