import AgentCore

/// Everything the chat REPL reacts to, from its three sources (the stdin thread, the signal
/// thread, the task reading an answer's stream), merged into one ordered stream.
enum ChatInput: Sendable {
    case line(String)
    case endOfInput
    /// Ctrl-C.
    case interrupt
    /// TERM or HUP: leave now.
    case terminate
    case streamEvent(JSONValue)
    /// The answer's stream is over; the message says why when it failed.
    case streamEnded(failure: String?)
}
