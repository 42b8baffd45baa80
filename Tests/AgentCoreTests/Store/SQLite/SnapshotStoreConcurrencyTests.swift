import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreConcurrencyTests {
    typealias F = StoreFixtures

    /// Many readers await the store while a writer commits steps: every read sees a whole
    /// step (history and its count agree; events arrive in complete batches), never half of one.
    @Test func concurrentReadersSeeOnlyWholeSteps() async throws {
        let directory = try TemporaryDirectory()
        let steps = 40
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            let observations = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    for step in 0..<steps {
                        let seq = Int64(step * 2 + 1)
                        try await store.commitTurn(TurnCommit(history: .append(from: step * 2, messages: F.toolStep(step)),
                                                              events: F.events(seq...(seq + 1)), usage: nil,
                                                              lastUsedAt: F.start.addingTimeInterval(Double(step))),
                                                   to: "s1")
                    }
                    return 0
                }
                for reader in 0..<300 {
                    group.addTask {
                        if reader % 2 == 0 {
                            let session = try #require(try await store.loadSession(id: "s1"))
                            #expect(session.history.count == session.summary.messageCount)
                            #expect(session.history.count % 2 == 0, "a step's two messages are committed together")
                            let stepsSeen = session.history.count / 2
                            #expect(session.history == (0..<stepsSeen).flatMap(F.toolStep))
                            #expect(session.summary.lastSeq == Int64(stepsSeen * 2))
                            return stepsSeen
                        } else {
                            let seqs = try await store.events(sessionId: "s1", after: 0, limit: 1000).map(\.seq)
                            #expect(seqs == Array(0..<Int64(seqs.count)).map { $0 + 1 })
                            #expect(seqs.count % 2 == 0, "an event batch is committed together")
                            return seqs.count / 2
                        }
                    }
                }
                var seen: [Int] = []
                for try await value in group { seen.append(value) }
                return seen
            }
            #expect(observations.count == 301)
            let final = try #require(try await store.loadSession(id: "s1"))
            #expect(final.history.count == steps * 2)
            #expect(final.summary.lastSeq == Int64(steps * 2))
        }
    }
}
