import Foundation

/// Separates `<think>…</think>` reasoning from the visible text of a streamed answer (models
/// such as DeepSeek-R1 distills put their reasoning there). Tags may arrive split across
/// deltas, so a possible partial tag at the end of a piece is held back until the next one.
struct ThinkTagSplitter {
    enum Segment: Equatable {
        case text(String)
        case thinking(String)
        /// A `</think>` closed the current reasoning block.
        case thinkingEnd
    }

    private static let open = "<think>"
    private static let close = "</think>"
    private var inThinking = false
    private var pending = ""

    mutating func feed(_ piece: String) -> [Segment] {
        var buffer = pending + piece
        pending = ""
        var segments: [Segment] = []
        while true {
            let tag = inThinking ? Self.close : Self.open
            if let range = buffer.range(of: tag) {
                append(String(buffer[..<range.lowerBound]), to: &segments)
                if inThinking { segments.append(.thinkingEnd) }
                inThinking.toggle()
                buffer = String(buffer[range.upperBound...])
                continue
            }
            let held = Self.partialTagSuffix(of: buffer, tag: tag)
            append(String(buffer.dropLast(held)), to: &segments)
            pending = String(buffer.suffix(held))
            return segments
        }
    }

    /// What is left at the end of the stream (an unfinished tag is just text).
    mutating func finish() -> [Segment] {
        var segments: [Segment] = []
        append(pending, to: &segments)
        pending = ""
        if inThinking { segments.append(.thinkingEnd) }
        inThinking = false
        return segments
    }

    private func append(_ text: String, to segments: inout [Segment]) {
        guard !text.isEmpty else { return }
        segments.append(inThinking ? .thinking(text) : .text(text))
    }

    /// Length of the longest suffix of `text` that is a proper prefix of `tag`.
    private static func partialTagSuffix(of text: String, tag: String) -> Int {
        var length = min(tag.count - 1, text.count)
        while length > 0 {
            if tag.hasPrefix(text.suffix(length)) { return length }
            length -= 1
        }
        return 0
    }
}
