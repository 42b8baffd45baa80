import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreRoundTripTests {
    typealias F = StoreFixtures

    @Test func queryMarkerFollowsBeginCommitAndEnd() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            try await store.beginQuery(sessionId: "s1", queryId: "q1", title: nil)
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == "q1")
            try await store.commitTurn(TurnCommit(history: .unchanged, events: F.events(1...1), usage: nil, lastUsedAt: F.start),
                                       to: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == "q1", "a step commit keeps the marker")
            try await store.commitTurn(TurnCommit(history: .unchanged, events: F.events(2...2), usage: nil, lastUsedAt: F.start,
                                                  query: .finished), to: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == nil)
            try await store.commitTurn(TurnCommit(history: .unchanged, usage: nil, lastUsedAt: F.start, query: .running(queryId: "q2")),
                                       to: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == "q2")
            try await store.endQuery(in: "s1")
            #expect(try await store.sessionSummary(id: "s1")?.runningQueryId == nil)
            await #expect(throws: StoreError.self) { try await store.beginQuery(sessionId: "missing", queryId: "q3", title: nil) }
        }
    }
}
