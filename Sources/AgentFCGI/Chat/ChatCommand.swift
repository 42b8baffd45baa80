import AgentCore
import ArgumentParser
import Foundation

/// `agent-fcgi chat`: a terminal client for a running responder, over its HTTP API (the same
/// one the web page uses), through AgentCore's libcurl loop.
///
/// Threads: the main thread waits for the REPL task; stdin is read on its own thread and
/// SIGINT/TERM/HUP are taken by a `sigwait` thread (main.swift blocked them before any thread
/// started, exactly as for the responder), so nothing blocking ever runs on the cooperative pool.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat in the terminal with a running agent-fcgi, through its HTTP API.",
        discussion: """
            Answers stream as they arrive. Commands: /usage, /clear, /new, /sessions, /help, /quit. \
            Ctrl-C while an answer streams cancels it; Ctrl-C at the prompt (or twice in a row) exits.
            """)

    @Option(help: "Base URL of the API as the web server exposes it, e.g. http://127.0.0.1:8080")
    var url: String
    @Option(help: "Session id to continue (created under this id if unknown); default: a new session.")
    var session: String?

    func validate() throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
              parsed.host?.isEmpty == false else {
            throw ValidationError("--url must be an http:// or https:// URL with a host, got \(url)")
        }
        if let session, !SessionID.isValid(session) {
            throw ValidationError("--session must match \(SessionID.pattern), got \(session)")
        }
    }

    func run() throws {
        // Unbounded: typed lines and Ctrl-C are few, and none may be dropped.
        let (inputs, continuation) = AsyncStream.makeStream(of: ChatInput.self, bufferingPolicy: .unbounded)
        InterruptWatcher.start(continuation)
        TerminalLineReader.start(continuation)
        let api = ChatAPI(baseURL: url)
        let session = self.session
        let status = try blockingAwait {
            var repl = ChatREPL(api: api, inputs: inputs, continuation: continuation,
                                output: TerminalOutput(), sessionID: session)
            return await repl.run()
        }
        if status != 0 { throw ExitCode(status) }
    }
}
