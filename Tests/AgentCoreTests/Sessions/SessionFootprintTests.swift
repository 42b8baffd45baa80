import Foundation
import Testing
@testable import AgentCore

/// Issue 14 item 8's memory goal, as counts: sessions made by queries with tool calls (the
/// bench's `sessions` scenario in small: 17 parallel calculator calls, then the answer) leave
/// only their headers in memory. Every per-session table is back to no capacity, the manager's
/// loading tables are empty, and no tool-call timeout timer outlives its call (those timers
/// were ~17 KiB per such query for a minute: `CancellableSleep`).
@Suite struct SessionFootprintTests {
    private static let calls = 17

    private func agent() throws -> Agent {
        let calls = (0..<Self.calls).map { ("c\($0)", "calculator", #"{"expression":"\#($0) + 1"}"#) }
        let model = ScriptedChatModel(replies: [Reply.tools(calls), Reply.text("done")])
        return Agent(model: model, tools: try ToolRegistry([CalculatorTool()]))
    }

    @Test func sessionsMadeByQueriesWithToolCallsKeepOnlyTheirHeaders() async throws {
        let sessions = 40
        let place = try await StorePlace(.sqlite)
        try await place.withStore { store in
            let manager = SessionManager(settings: sessionSettings(), store: store)
            let ledger = CancellableSleep.Ledger()
            try await CancellableSleep.$ledger.withValue(ledger) {
                for index in 0..<sessions {
                    let events = await collect(try await manager.submitQuery(
                        sessionId: "footprint-\(index)", owner: nil, message: "add", runner: try agent(),
                        defaultSystemPrompt: "sys"))
                    #expect(events.filter { $0.event.type == "tool_result" }.count == Self.calls)
                    #expect(events.last?.event.type == "usage")
                }
            }
            #expect(await manager.inMemoryCount == sessions)
            #expect(await manager.loading.isEmpty)
            #expect(await manager.deleting.isEmpty)
            for index in 0..<sessions {
                let session = try await manager.session(id: "footprint-\(index)", owner: nil)
                #expect(!session.isHoldingHistory)
                #expect(session.info.messageCount == 3 + Self.calls, "user, calls, results, answer")
                let held = await session.tableCapacities.filter { $0.value > 0 }
                #expect(held.isEmpty, "session \(index) still holds \(held)")
            }
            // Counted after the loop: the last query's stream can end just before its session
            // (whose actor the lookups above went through) has dropped the history.
            #expect(manager.counters.holdingHistory.load(ordering: .relaxed) == 0)
            // Every tool call raced a 60 s timeout; each timer was let go when its call ended.
            #expect(ledger.started.load(ordering: .relaxed) == sessions * Self.calls)
            for _ in 0..<1000 where ledger.released.load(ordering: .relaxed) < sessions * Self.calls {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(ledger.released.load(ordering: .relaxed) == sessions * Self.calls)
        }
    }
}
