import AgentCore
import Synchronization
import Testing
@testable import AgentFCGI

/// Terminal chat rendering.
@Suite struct ChatRendererTests {
    /// Renders `events` unstyled and returns what the terminal would show.
    func render(_ events: [JSONValue], tokensBefore: Int? = 10) -> (text: String, renderer: ChatRenderer) {
        let written = Mutex("")
        var output = TerminalOutput(styled: false) { text in written.withLock { $0 += text } }
        var renderer = ChatRenderer(tokensBefore: tokensBefore)
        for event in events { renderer.render(event, to: &output) }
        return (written.withLock { $0 }, renderer)
    }

    /// Thinking, a tool call on one line, text, usage.
    @Test func fullAnswer() {
        let usage: JSONValue = ["total_tokens": 40, "total_prompt_tokens": 30, "total_prompt_cached_tokens": 4,
                                "total_completion_tokens": 10, "total_cost": .null]
        let (text, renderer) = render([
            ["type": "thinking_start", "think_id": "t1"],
            ["type": "thinking_delta", "think_id": "t1", "delta": "add\nth"],
            ["type": "thinking_delta", "think_id": "t1", "delta": "em up"],
            ["type": "thinking_end", "think_id": "t1"],
            ["type": "text_delta", "delta": "Let me "],
            ["type": "text_delta", "delta": "see."],
            ["type": "step_start", "step_id": "c1", "title": "calculator", "step_number": 1],
            ["type": "tool_call", "tool": "calculator", "display_name": "Calculator", "args": ["expression": "2+3"], "tool_call_id": "c1"],
            ["type": "tool_result", "tool": "calculator", "result": "5", "is_error": false, "tool_call_id": "c1"],
            ["type": "step_complete", "step_id": "c1", "status": "completed", "duration_ms": 12],
            ["type": "text_delta", "delta": "It is 5."],
            ["type": "final", "content": "It is 5.", "status": "completed"],
            ["type": "usage", "usage": usage],
        ])
        #expect(text == """
            thinking: add them up
            Let me see.
            ⚙ calculator(2+3) → 5  [12 ms]
            It is 5.
            +30 tokens · session 40 tokens (30 in, 4 cached, 10 out) · cost unknown

            """)
        #expect(renderer.status == "completed" && renderer.tokensAfter == 40)
    }

    /// Failed tools, cancelled and failed answers, text only in final.
    @Test func failures() {
        let cancelled = render([
            ["type": "tool_call", "tool": "http_get", "args": ["url": "http://x", "method": "GET"]],
            ["type": "tool_result", "tool": "http_get", "result": "refused\nby peer", "is_error": true],
            ["type": "step_complete", "status": "cancelled", "duration_ms": 3],
            ["type": "final", "content": "partial", "status": "cancelled"],
        ]).text
        #expect(cancelled == "⚙ http_get(method=\"GET\", url=\"http://x\") → ✗ refused ⏎ by peer  [3 ms]  (cancelled)\npartial\n[cancelled]\n")
        let failed = render([["type": "error", "error": "model down", "code": "llm_error"]])
        #expect(failed.text == "error (llm_error): model down\n" && failed.renderer.status == "error")
    }

    /// Slash commands and argument shortening.
    @Test func commandsAndFormatting() {
        #expect(SlashCommand("/usage") == .usage && SlashCommand("/EXIT") == .quit && SlashCommand("/new now") == .new)
        #expect(SlashCommand("/nope") == .unknown("/nope") && SlashCommand("hello /usage") == nil)
        #expect(ChatFormatting.arguments(["_raw": "{broken"]) == "{broken")
        #expect(ChatFormatting.oneLine(String(repeating: "a", count: 100), limit: 10) == "aaaaaaaaa…")
        #expect(ChatFormatting.cost(0.5) == "$0.500000" && ChatFormatting.cost(.null) == "cost unknown")
        #expect(SessionID.isValid("a-b_c.d:1") && !SessionID.isValid("a b") && !SessionID.isValid(""), "the rule --session is checked against")
        #expect(ChatAPI(baseURL: "http://h:1//").baseURL == "http://h:1")
    }
}
