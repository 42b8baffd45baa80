import AgentCore
import Foundation

/// The chat loop: one stream of inputs (typed lines, Ctrl-C, stream events), handled in order.
/// While an answer streams, typed lines wait their turn; the first Ctrl-C asks the server to
/// cancel the query and the answer ends as the server reports it, a second one leaves.
struct ChatREPL {
    let api: ChatAPI
    let inputs: AsyncStream<ChatInput>
    let continuation: AsyncStream<ChatInput>.Continuation
    var output: TerminalOutput
    var sessionID: String?

    private var pending: [ChatInput] = []
    private var sessionTokens: Int?

    init(api: ChatAPI, inputs: AsyncStream<ChatInput>, continuation: AsyncStream<ChatInput>.Continuation,
         output: TerminalOutput, sessionID: String?) {
        self.api = api
        self.inputs = inputs
        self.continuation = continuation
        self.output = output
        self.sessionID = sessionID
    }

    /// The process's exit status: 0 for a chosen exit, 1 when the server cannot be reached.
    mutating func run() async -> Int32 {
        let session: String
        do {
            if let sessionID {
                session = sessionID
                sessionTokens = try? await api.usage(of: session)["total_tokens"]?.intValue
            } else {
                session = try await api.createSession()
                sessionTokens = 0
            }
        } catch {
            FileHandle.standardError.write(Data("agent-fcgi chat: \(error)\n".utf8))
            return 1
        }
        sessionID = session
        output.line("agent-fcgi chat · \(api.baseURL) · session \(session)")
        output.line(output.dim("/help for commands · Ctrl-C cancels an answer · Ctrl-C at the prompt exits"))
        var iterator = inputs.makeAsyncIterator()
        while true {
            output.prompt()
            let next: ChatInput?
            if pending.isEmpty { next = await iterator.next() } else { next = pending.removeFirst() }
            switch next {
            case .line(let text)?:
                let message = text.trimmingCharacters(in: .whitespaces)
                if message.isEmpty { continue }
                if let command = SlashCommand(message) {
                    if command == .quit { return 0 }
                    await perform(command)
                } else if await !ask(message, &iterator) {
                    return 0
                }
            case .interrupt?, .terminate?, .endOfInput?, nil:
                output.breakLine()
                output.write("\n")
                return 0
            case .streamEvent?, .streamEnded?:
                continue
            }
        }
    }

    /// Streams one answer, asking y/n for each tool call it leaves waiting for approval and
    /// streaming the continuation. False when the user chose to leave while it streamed.
    private mutating func ask(_ message: String, _ iterator: inout AsyncStream<ChatInput>.AsyncIterator) async -> Bool {
        guard let session = sessionID else { return true }
        let api = self.api
        var (stay, renderer) = await follow(&iterator) { onEvent in
            try await api.streamQuery(message, session: session, onEvent: onEvent)
        }
        while stay, renderer.status == "awaiting_approval", !renderer.approvals.isEmpty {
            guard let decisions = await askDecisions(renderer.approvals, &iterator) else {
                output.line(output.dim("left waiting: decide later, or send a new message to reject them"))
                return true
            }
            (stay, renderer) = await follow(&iterator) { onEvent in
                try await api.streamDecisions(decisions, session: session, onEvent: onEvent)
            }
        }
        return stay
    }

    /// `approve <tool>(<args>)? [y/N]` for each waiting call, and a reason when rejected. Nil when
    /// the user pressed Ctrl-C or ended the input instead (the calls stay waiting on the server).
    private mutating func askDecisions(_ approvals: [JSONValue],
                                       _ iterator: inout AsyncStream<ChatInput>.AsyncIterator) async -> [JSONValue]? {
        var decisions: [JSONValue] = []
        for call in approvals {
            let name = call["tool"]?.stringValue ?? "tool"
            output.write("approve \(name)(\(ChatFormatting.arguments(call["args"])))? [y/N] ")
            guard let answer = await nextLine(&iterator) else { return nil }
            let approve = ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
            var reason = ""
            if !approve {
                output.write("reason (optional): ")
                guard let typed = await nextLine(&iterator) else { return nil }
                reason = typed.trimmingCharacters(in: .whitespaces)
            }
            decisions.append(["tool_call_id": call["tool_call_id"] ?? .null, "approve": .bool(approve), "reason": .string(reason)])
        }
        return decisions
    }

    /// The next typed line; nil on Ctrl-C, TERM or the end of input.
    private func nextLine(_ iterator: inout AsyncStream<ChatInput>.AsyncIterator) async -> String? {
        while let input = await iterator.next() {
            switch input {
            case .line(let text): return text
            case .interrupt, .terminate, .endOfInput: return nil
            case .streamEvent, .streamEnded: continue
            }
        }
        return nil
    }

    /// Streams one answer from `start` until it ends. False when the user chose to leave.
    private mutating func follow(_ iterator: inout AsyncStream<ChatInput>.AsyncIterator,
                                 _ start: @escaping @Sendable (_ onEvent: (JSONValue) -> Void) async throws -> Void)
        async -> (Bool, ChatRenderer) {
        guard let session = sessionID else { return (true, ChatRenderer(tokensBefore: sessionTokens)) }
        let api = self.api
        let continuation = self.continuation
        let reader = Task {
            do {
                try await start { continuation.yield(.streamEvent($0)) }
                continuation.yield(.streamEnded(failure: nil))
            } catch {
                continuation.yield(.streamEnded(failure: "\(error)"))
            }
        }
        var renderer = ChatRenderer(tokensBefore: sessionTokens)
        var cancelRequested = false
        while let input = await iterator.next() {
            switch input {
            case .streamEvent(let event):
                renderer.render(event, to: &output)
            case .streamEnded(let failure):
                if let failure { output.line(output.red("stream failed: \(failure)")) }
                sessionTokens = renderer.tokensAfter ?? sessionTokens
                return (true, renderer)
            case .interrupt where !cancelRequested:
                cancelRequested = true
                output.line(output.dim("cancelling… (Ctrl-C again to quit)"))
                do {
                    _ = try await api.cancel(session)
                } catch {
                    output.line(output.red("cancel failed: \(error)"))
                    reader.cancel()
                }
            case .interrupt, .terminate:
                reader.cancel()
                output.line("")
                return (false, renderer)
            case .line, .endOfInput:
                pending.append(input)
            }
        }
        reader.cancel()
        return (false, renderer)
    }

    private mutating func perform(_ command: SlashCommand) async {
        guard let session = sessionID else { return }
        do {
            switch command {
            case .usage:
                let usage = try await api.usage(of: session)
                output.line("session \(session): " + ChatFormatting.usage(usage))
                for line in ChatFormatting.usageByModel(usage) { output.line("  " + line) }
            case .clear:
                try await api.clear(session)
                // The server resets the session's usage with its history.
                sessionTokens = 0
                output.line(output.dim("history of \(session) cleared"))
            case .new:
                sessionID = try await api.createSession()
                sessionTokens = 0
                output.line(output.dim("new session \(sessionID ?? "")"))
            case .sessions:
                let sessions = try await api.sessions()
                if sessions.isEmpty { output.line(output.dim("no sessions")) }
                for entry in sessions {
                    let id = entry["session_id"]?.stringValue ?? "?"
                    let count = entry["message_count"]?.intValue ?? 0
                    let used = entry["last_used_at"]?.stringValue ?? ""
                    let title = entry["title"]?.stringValue.map { "  \"\($0)\"" } ?? ""
                    output.line("\(id == session ? "*" : " ") \(id)  \(count) messages  last used \(used)\(title)")
                }
            case .help:
                output.line(SlashCommand.summary)
            case .unknown(let word):
                output.line(output.red("unknown command \(word); /help lists them"))
            case .quit:
                break
            }
        } catch {
            output.line(output.red("\(error)"))
        }
    }
}
