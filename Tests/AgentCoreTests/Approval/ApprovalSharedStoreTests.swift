import Foundation
import Testing
@testable import AgentCore

/// Approval on two responders sharing one PostgreSQL database (two session managers in one
/// process): a call decided on both at once runs once.
@Suite struct ApprovalSharedStoreTests {
    /// Both responders accept a decision while the call still waits in the store (a's
    /// continuation is running the call); b's continuation, taking the lease after a's, reads the
    /// store again, finds the call answered and continued, and refuses with a conflict instead
    /// of running the approved call a second time.
    @Test func aCallDecidedOnTwoRespondersAtOnceRunsOnce() async throws {
        // The gated tool holds a's continuation inside the call until the test lets it go.
        let room = RendezvousTool.Room()
        let tool = RendezvousTool(name: "meet", room: room, expected: 2)
        let model = ScriptedChatModel(replies: [Reply.tools([("c1", "meet", "{}")]), Reply.text("done")])
        var settings = AgentSettings()
        settings.approval = ApprovalSettings(tools: ["meet"], timeout: .seconds(3600))
        let agent = Agent(model: model, tools: try ToolRegistry([tool]), settings: settings)
        let pair = try await SharedStoreSessionTests.pair()
        _ = await collect(try await pair.a.submitQuery(sessionId: "s", owner: nil, message: "go", runner: agent,
                                                       defaultSystemPrompt: nil))
        let approve = [("c1", ApprovalDecision(approve: true))]
        let onA = try #require(try await pair.a.decide(sessionId: "s", owner: nil, decisions: approve, runner: agent,
                                                       defaultSystemPrompt: nil).continuation)
        #expect(await SharedStoreSessionTests.eventually { room.inside.load(ordering: .sequentiallyConsistent) == 1 },
                "a's continuation is inside the call")
        let onB = try #require(try await pair.b.decide(sessionId: "s", owner: nil, decisions: approve, runner: agent,
                                                       defaultSystemPrompt: nil).continuation,
                               "b reads the call as still waiting: a has not committed its result yet")
        room.maximum.store(2, ordering: .sequentiallyConsistent)  // lets a's call return
        #expect(await onA.result().terminal == .final(content: "done", status: .completed))
        let second = await onB.result()
        if case .conflict(_, let reason)? = second.failure {
            #expect(reason.contains("decided and continued elsewhere"), "\(reason)")
        } else {
            Issue.record("b's continuation should be refused as a conflict: \(second)")
        }
        #expect(room.inside.load(ordering: .sequentiallyConsistent) == 1, "the approved call ran once")
        #expect(model.requests.count == 2, "the model was not asked again")
        let history = try #require(try await pair.stores[0].loadSession(id: "s")).history
        #expect(history.filter { $0.role == .tool }.count == 1, "\(history.map(\.role))")
        #expect(try await pair.stores[0].leaseState(sessionId: "s")?.runningQueryId == nil, "b released the lease it took")
        await pair.close()
    }
}
