import AgentCore
import Foundation

/// The whole product for client tests: the scripted fake model, the real responder pointed at
/// it, and nginx serving the API and the web page (web/) from the project's conf.
final class ScriptedStack: Sendable {
    let model: FakeLLMProcess
    let stack: TestStack

    /// `environment` is added to the responder's (e.g. `AGENT_FCGI_MODEL_ALLOWED`).
    init(environment: [String: String] = [:]) throws {
        model = try FakeLLMProcess()
        do {
            stack = try TestStack(responderEnvironment: ["OPENAI_BASE_URL": model.openAIBaseURL, "OPENAI_API_KEY": "unused"]
                .merging(environment) { $1 })
        } catch {
            model.stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    func stop() {
        stack.stop()
        model.stop()
    }

    var baseURL: String { "http://127.0.0.1:\(stack.webServer.port)" }

    /// Words enough for an answer that streams for `seconds` at `delayMs` per word.
    static func longText(seconds: Double, delayMs: Int) -> String {
        let count = Int(seconds * 1000) / delayMs
        return (1...count).map { "word\($0)" }.joined(separator: " ")
    }

    /// A first answer with reasoning and one calculator call, streamed word by word, then a long answer for
    /// the cancel step (10 s at 50 ms a word).
    static let clientScript: [JSONValue] = [
        ["reasoning": "The user wants a sum.", "text": "Let me compute that.", "token_delay_ms": 60,
         "tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"]]]],
        ["text": "The sum of two and three is 5, as the calculator confirmed just now for you.", "token_delay_ms": 60],
        ["text": .string(longText(seconds: 10, delayMs: 50)), "token_delay_ms": 50],
    ]
}
