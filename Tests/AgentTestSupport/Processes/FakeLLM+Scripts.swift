import AgentCore

/// Scripts the client tests (web page, terminal chat, drain) give the fake LLM.
extension FakeLLM {
    /// Words enough for an answer that streams for `seconds` at `delayMs` per word.
    public static func longText(seconds: Double, delayMs: Int) -> String {
        let count = Int(seconds * 1000) / delayMs
        return (1...count).map { "word\($0)" }.joined(separator: " ")
    }

    /// A first answer with reasoning and one calculator call, streamed word by word, then a long answer for
    /// the cancel step (10 s at 50 ms a word).
    public static let clientScript: [JSONValue] = [
        ["reasoning": "The user wants a sum.", "text": "Let me compute that.", "token_delay_ms": 60,
         "tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"]]]],
        ["text": "The sum of two and three is 5, as the calculator confirmed just now for you.", "token_delay_ms": 60],
        ["text": .string(longText(seconds: 10, delayMs: 50)), "token_delay_ms": 50],
    ]
}
