import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// `agent-fcgi chat` in a pseudo-terminal against nginx + the responder + the scripted fake
/// model: an answer streams in as it is generated, tool calls show on one line, /usage works,
/// Ctrl-C cancels a long answer on the server, and Ctrl-C at the prompt exits 0.
@Suite struct TerminalChatTests {
    @Test func streamsShowsToolsReportsUsageAndCancels() async throws {
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused"])
        defer { stack.stop() }
        try await stack.llm.script(FakeLLM.clientScript)
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "chat-pty")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let steps: [PtyDriver.Step] = [
            .init(name: "start", expect: "you> ", timeout: 20),
            .init(name: "answer", send: "What is 2+3?\r", expect: #"session \d+ tokens[^\n]*\n.*you> "#, timeout: 30),
            .init(name: "usage", send: "/usage\r", expect: #"session \S+: \d+ tokens.*you> "#),
            .init(name: "long", send: "Write a long answer, please.\r", expect: "word3 ", timeout: 30),
            .init(name: "cancel", send: "\u{03}", expect: #"\[cancelled\].*you> "#, timeout: 20),
            .init(name: "new", send: "/new\r", expect: #"new session \S+\n.*you> "#),
            .init(name: "sessions", send: "/sessions\r", expect: #"messages.*messages.*you> "#),
            .init(name: "clear", send: "/clear\r", expect: #"history of \S+ cleared\n.*you> "#),
            .init(name: "help", send: "/help\r", expect: #"/quit.*you> "#),
            .init(name: "exit", send: "\u{03}", timeout: 10, exit: true),
        ]
        let outcome = try await PtyDriver.run([TestEnvironment.responderBinary, "chat", "--url", stack.baseURL],
                                              steps: steps, workDirectory: directory)
        let context = "\(outcome.explanation)\n\(stack.logs)"
        print("chat transcript:\n\(outcome.transcript)")
        #expect(outcome.failures.isEmpty, "\(context)")
        #expect(outcome.exitCode == 0, "\(context)")

        // The answer arrived word by word: its text came in many reads spread over time.
        let answer = outcome.step("answer")?["output"]?.stringValue ?? ""
        #expect(answer.contains("⚙ calculator(2+3) → 5") && answer.contains(" ms]"), "no tool line: \(answer)")
        #expect(answer.contains("The sum of two and three is 5"), "\(answer)")
        #expect(answer.contains("thinking: The user wants a sum.\nLet me compute that."), "\(answer)")
        let textReads = outcome.chunks(of: "answer").filter { $0.text.contains { $0.isLetter } }
        let spread = (textReads.last?.time ?? 0) - (textReads.first?.time ?? 0)
        #expect(textReads.count >= 5 && spread >= 0.5, "not incremental: \(textReads)")

        // /usage shows what the server counted for the session named in the banner.
        let banner = outcome.step("start")?["output"]?.stringValue ?? ""
        let session = try #require(banner.firstMatch(of: /session ([A-Za-z0-9._:-]+)/)?.1, "no session in \(banner)")
        let served = try await stack.client.get("/agent/usage/\(session)").json()["usage"]
        let total = try #require(served?["total_tokens"]?.intValue)
        #expect(total > 0)
        let usage = outcome.step("usage")?["output"]?.stringValue ?? ""
        #expect(usage.contains("session \(session): \(total) tokens"), "\(usage)")
        #expect(usage.contains("in 2 calls"), "two model calls (tool round, answer) per model: \(usage)")
        #expect(answer.contains("+\(total) tokens · session \(total) tokens"), "\(answer)")

        // /new switched to a fresh session; /sessions lists both and marks the new one.
        let newSession = try #require((outcome.step("new")?["output"]?.stringValue ?? "").firstMatch(of: /new session (\S+)/)?.1)
        let listing = outcome.step("sessions")?["output"]?.stringValue ?? ""
        #expect(listing.contains("* \(newSession)  0 messages") && listing.contains("  \(session)  "), "\(listing)")

        // The cancel reached the model: the responder hung up on the long answer mid-stream.
        let requests = try await stack.llm.waitForRequests { $0.count >= 3 && $0[2]["closed_early"]?.boolValue == true }
        #expect(requests.count == 3 && requests[2]["closed_early"]?.boolValue == true, "\(requests)")
        let cancelled = outcome.step("cancel")?["output"]?.stringValue ?? ""
        #expect(!cancelled.contains("word199"), "the long answer ran to its end: \(cancelled)")
    }

    /// Two Ctrl-C while an answer streams: the first asks the server to cancel, the second
    /// leaves at once, with status 0, and the query does not run on.
    @Test func twoInterruptsWhileStreamingExit() async throws {
        let stack = try TestStack(environment: ["OPENAI_API_KEY": "unused"])
        defer { stack.stop() }
        try await stack.llm.script([["text": .string(FakeLLM.longText(seconds: 10, delayMs: 50)), "token_delay_ms": 50]])
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "chat-pty")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try await PtyDriver.run(
            [TestEnvironment.responderBinary, "chat", "--url", stack.baseURL + "/", "--session", "pty-session.1"],
            steps: [.init(name: "start", expect: "session pty-session.1.*you> ", timeout: 20),
                    .init(name: "long", send: "Go on and on.\r", expect: "word2 ", timeout: 30),
                    // Two ^C in one write would be one signal (pending signals merge), so the
                    // second goes once the first was seen: streaming or back at the prompt, it exits.
                    .init(name: "cancel", send: "\u{03}", expect: "cancelling", timeout: 10),
                    .init(name: "exit", send: "\u{03}", timeout: 10, exit: true)],
            workDirectory: directory)
        #expect(outcome.failures.isEmpty && outcome.exitCode == 0, "\(outcome.explanation)\n\(stack.logs)")
        let requests = try await stack.llm.waitForRequests { $0.first?["closed_early"]?.boolValue == true }
        #expect(requests.count == 1 && requests[0]["closed_early"]?.boolValue == true, "\(requests)")
    }
}
