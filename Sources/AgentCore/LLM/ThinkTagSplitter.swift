/// Splits `<think>…</think>` out of streamed content, for models that put their reasoning in
/// the text (DeepSeek-R1 distills, Qwen3 on some servers). Only a block that opens before any
/// visible text counts; tags may be split across chunks, so a possible tag prefix is held back.
struct ThinkTagSplitter: Sendable {
    private enum Mode { case start, thinking, afterThink, text }
    private static let open = "<think>"
    private static let close = "</think>"
    private var mode = Mode.start
    private var held = ""

    /// Feeds a content piece; returns the reasoning and text it resolves to, in order.
    mutating func feed(_ piece: String) -> [ChatDelta] {
        var out: [ChatDelta] = []
        var input = held + piece
        held = ""
        while !input.isEmpty {
            switch mode {
            case .text:
                out.append(.text(input))
                input = ""
            case .afterThink:
                // The blank lines between the block and the answer belong to neither.
                let rest = input.drop { $0.isWhitespace }
                input = String(rest)
                if !rest.isEmpty { mode = .text }
            case .start:
                let trimmed = input.drop { $0.isWhitespace }
                if trimmed.hasPrefix(Self.open) {
                    mode = .thinking
                    input = String(trimmed.dropFirst(Self.open.count))
                } else if trimmed.isEmpty || Self.open.hasPrefix(trimmed) {
                    held = input
                    input = ""
                } else {
                    mode = .text
                }
            case .thinking:
                if let range = input.range(of: Self.close) {
                    let reasoning = String(input[..<range.lowerBound])
                    if !reasoning.isEmpty { out.append(.reasoning(reasoning)) }
                    mode = .afterThink
                    input = String(input[range.upperBound...])
                } else {
                    let keep = Self.suffixPrefixLength(input, Self.close)
                    let emit = String(input.dropLast(keep))
                    held = String(input.suffix(keep))
                    if !emit.isEmpty { out.append(.reasoning(emit)) }
                    input = ""
                }
            }
        }
        return out
    }

    /// The text still held back when the stream ends.
    mutating func finish() -> [ChatDelta] {
        defer { held = "" }
        guard !held.isEmpty else { return [] }
        return mode == .thinking ? [.reasoning(held)] : (held.allSatisfy(\.isWhitespace) ? [] : [.text(held)])
    }

    /// How many trailing characters of `text` could start `tag`.
    private static func suffixPrefixLength(_ text: String, _ tag: String) -> Int {
        var length = min(text.count, tag.count - 1)
        while length > 0 {
            if tag.hasPrefix(text.suffix(length)) { return length }
            length -= 1
        }
        return 0
    }
}
