import Foundation

/// Writes to stdout as soon as anything is ready (an answer streams token by token) and knows
/// whether the cursor sits at the start of a line, so notices never glue onto streamed text.
/// ANSI styling only on a terminal, and never with NO_COLOR set.
struct TerminalOutput {
    let styled: Bool
    private let sink: @Sendable (String) -> Void
    private(set) var atLineStart = true

    init(styled: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil,
         sink: @escaping @Sendable (String) -> Void = TerminalOutput.writeToStandardOutput) {
        self.styled = styled
        self.sink = sink
    }

    mutating func write(_ text: String) {
        guard !text.isEmpty else { return }
        sink(text)
        atLineStart = text.hasSuffix("\n")
    }

    /// Straight to the descriptor: unbuffered, and no shared C `stdout` state to guard.
    static func writeToStandardOutput(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { break }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Ends the current line if something is on it.
    mutating func breakLine() {
        if !atLineStart { write("\n") }
    }

    /// A whole line of its own.
    mutating func line(_ text: String) {
        breakLine()
        write(text + "\n")
    }

    mutating func prompt() {
        breakLine()
        write(bold("you> "))
        // The user's Enter moves the cursor; from here on it is at a line start.
        atLineStart = true
    }

    func dim(_ text: String) -> String { style(text, "2") }
    func bold(_ text: String) -> String { style(text, "1") }
    func red(_ text: String) -> String { style(text, "31") }
    func cyan(_ text: String) -> String { style(text, "36") }

    private func style(_ text: String, _ code: String) -> String {
        styled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
