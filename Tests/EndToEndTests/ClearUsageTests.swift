import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Clear resets usage, never the lifetime or the budget.
///
/// The reference contract for `POST /sessions/{id}/clear` through nginx and the real store:
/// `usage` starts again from zero, while `lifetime_usage` and the per-session budget keep
/// counting, across a restart too.
@Suite struct ClearUsageTests {
    static func answer(_ text: String) -> JSONValue {
        ["text": .string(text), "usage": ["prompt_tokens": 10, "completion_tokens": 5]]
    }

    static func usageTokens(_ json: JSONValue, _ key: String) -> Int? {
        json[key]?["total_tokens"]?.intValue
    }

    /// Clear zeroes usage; lifetime_usage and a token budget go on, and survive a restart.
    @Test func clearResetsUsageNotLifetime() async throws {
        let stack = try TestStack(environment: ["AGENT_FCGI_AGENT_BUDGET_MAX_TOKENS": "25"])
        defer { stack.stop() }
        try await stack.llm.script([Self.answer("first answer"), Self.answer("second answer"), Self.answer("never sent")])
        let ask: @Sendable (String) async throws -> HTTPTestResponse = { message in
            try await stack.postJSON("/agent/query", ["message": .string(message), "session_id": "budgeted"])
        }

        let first = try await ask("How much is this going to cost?")
        #expect(first.status == 200, "\(first.text)\n\(stack.responderLog.suffix(2000))")
        #expect(Self.usageTokens(try first.json(), "usage") == 15)

        let cleared = try await stack.postJSON("/sessions/budgeted/clear", [:])
        #expect(cleared.status == 200, "\(cleared.text)")
        let afterClear = try await stack.getJSON("/sessions/budgeted")
        #expect(afterClear["usage"] == APIContractTests.zeroUsage, "clear resets usage to zero: \(afterClear)")
        #expect(Self.usageTokens(afterClear, "lifetime_usage") == 15, "\(afterClear)")
        #expect(try await stack.getJSON("/agent/usage/budgeted")["usage"] == APIContractTests.zeroUsage)

        // 15 of 25 spent over the session's life: one more call is allowed, then the budget is gone.
        let second = try await ask("And now?")
        #expect(second.status == 200, "\(second.text)")
        #expect(Self.usageTokens(try second.json(), "usage") == 15, "usage counts from the clear")
        let third = try await ask("Once more?")
        #expect(third.status == 500)
        #expect(try third.json()["detail"] == "session budget exhausted: 30 of 25 tokens used", "\(third.text)")
        #expect(try await stack.llm.requests().count == 2, "the clear did not buy a third model call")

        // The lifetime is stored, not rebuilt from memory; the title is the first message.
        try stack.restartResponder()
        let restarted = try await stack.getJSON("/sessions/budgeted")
        #expect(Self.usageTokens(restarted, "usage") == 15 && Self.usageTokens(restarted, "lifetime_usage") == 30,
                "\(restarted)")
        let listed = try await stack.getJSON("/sessions")["sessions"]?.arrayValue?.first
        #expect(listed?["title"] == "How much is this going to cost?", "\(String(describing: listed))")

        // A clear after the restart resets usage again and still not the budget.
        #expect(try await stack.postJSON("/sessions/budgeted/clear", [:]).status == 200)
        let refused = try await ask("Cleared, so can I go on?")
        #expect(try refused.json()["detail"] == "session budget exhausted: 30 of 25 tokens used", "\(refused.text)")
        let final = try await stack.getJSON("/sessions/budgeted")
        #expect(final["usage"] == APIContractTests.zeroUsage && Self.usageTokens(final, "lifetime_usage") == 30,
                "\(final)")
        #expect(try await stack.llm.requests().count == 2)
    }
}
