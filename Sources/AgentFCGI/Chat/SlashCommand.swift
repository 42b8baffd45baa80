/// The chat's own commands, typed at the prompt.
enum SlashCommand: Equatable {
    case usage, clear, new, sessions, help, quit
    case unknown(String)

    static let summary = """
        /usage     tokens and cost of this session since its last /clear
        /clear     forget this session's history and reset its usage
        /new       start a new session
        /sessions  list sessions (* marks this one)
        /help      this list
        /quit      leave (also Ctrl-D, or Ctrl-C at the prompt)
        Ctrl-C while an answer streams cancels it; twice in a row exits.
        """

    /// nil when `line` is a message for the agent rather than a command.
    init?(_ line: String) {
        guard line.hasPrefix("/") else { return nil }
        let word = line.split(separator: " ", maxSplits: 1).first.map(String.init) ?? line
        switch word.lowercased() {
        case "/usage": self = .usage
        case "/clear": self = .clear
        case "/new": self = .new
        case "/sessions": self = .sessions
        case "/help", "/?": self = .help
        case "/quit", "/exit": self = .quit
        default: self = .unknown(word)
        }
    }
}
