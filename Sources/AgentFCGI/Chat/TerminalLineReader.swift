import Foundation

/// Reads stdin line by line on a plain thread (a blocking read must never sit on the
/// cooperative pool) and hands each line to the REPL; end of input ends the chat.
enum TerminalLineReader {
    static func start(_ continuation: AsyncStream<ChatInput>.Continuation) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(.line(line))
            }
            continuation.yield(.endOfInput)
        }
        thread.name = "chat-stdin"
        thread.start()
    }
}
