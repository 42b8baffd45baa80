import Testing
@testable import AgentCore

@Suite struct HistoryRepairTests {
    static let call = ToolCall(id: "1", name: "calculator", arguments: "{}")
    static let call2 = ToolCall(id: "2", name: "calculator", arguments: "{}")

    @Test func missingResultsAreFilledRightAfterTheirCall() {
        let history: [ChatMessage] = [.user("q"), .assistant("", toolCalls: [Self.call, Self.call2]),
                                      .toolResult(callId: "1", name: "calculator", content: "5")]
        let repaired = HistoryRepair.repaired(history, reason: "interrupted", note: "(no answer)")
        #expect(repaired == history + [.toolResult(callId: "2", name: "calculator", content: "interrupted", isError: true),
                                       .assistant("(no answer)")])
        #expect(HistoryRepair.isValid(repaired))
        #expect(!HistoryRepair.isValid(history))
    }

    @Test func answeredHistoryIsLeftAlone() {
        let history: [ChatMessage] = [.system("s"), .user("q"), .assistant("a")]
        #expect(HistoryRepair.repaired(history, reason: "x", note: "y") == history)
    }
}

@Suite struct ContextCompactorTests {
    @Test func earlierSummariesAreFoldedAndToolResultsStayWithTheirCall() throws {
        let call = ToolCall(id: "1", name: "calculator", arguments: #"{"expression":"1+1"}"#)
        let history: [ChatMessage] = [
            .system("sys"), .user(ContextCompactor.summaryPrefix + "old notes"), .assistant("a1"), .user("q2"),
            .assistant("", toolCalls: [call]), .toolResult(callId: "1", name: "calculator", content: "2"), .user("q3"),
        ]
        let split = try #require(ContextCompactor.split(history, keepRecentTurns: 2))
        #expect(split.head == [.system("sys")])
        #expect(split.old.count == 3)
        #expect(split.recent == Array(history[4...]))
        let transcript = ContextCompactor.transcript(of: split.old)
        #expect(transcript == "[summary of what came before] old notes\n[assistant] a1\n[user] q2")
        #expect(ContextCompactor.split(history, keepRecentTurns: 10) == nil, "nothing old enough to compact")
    }
}
