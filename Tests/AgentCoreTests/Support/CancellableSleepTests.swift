import Foundation
import Testing
@testable import AgentCore

/// `CancellableSleep` ends like `Task.sleep` and, unlike it on Linux, lets go of its timer when
/// cancelled rather than at the deadline (the tool-call timeouts that held ~1 KiB per call for a
/// minute). Each test binds its own ledger, so sleeps of tests running alongside do not count.
@Suite struct CancellableSleepTests {
    /// Waits (bounded) until every sleep the ledger saw has been released; returns the count.
    private func released(_ ledger: CancellableSleep.Ledger, expecting count: Int) async -> Int {
        for _ in 0..<1000 where ledger.released.load(ordering: .relaxed) < count {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return ledger.released.load(ordering: .relaxed)
    }

    @Test func cancelledHourLongSleepsEndAtOnceAndReleaseTheirTimers() async throws {
        let ledger = CancellableSleep.Ledger()
        let count = 200
        let outcomes = await CancellableSleep.$ledger.withValue(ledger) {
            await withTaskGroup(of: Bool.self) { group -> [Bool] in
                for _ in 0..<count {
                    group.addTask {
                        do {
                            try await CancellableSleep.sleep(for: .seconds(3600))
                            return false
                        } catch {
                            return error is CancellationError
                        }
                    }
                }
                for _ in 0..<1000 where ledger.started.load(ordering: .relaxed) < count {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                group.cancelAll()
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(ledger.started.load(ordering: .relaxed) == count)
        #expect(outcomes.count == count && outcomes.allSatisfy { $0 }, "every sleep threw CancellationError")
        // The timers were due in an hour: a count at zero now means cancelling freed them.
        #expect(await released(ledger, expecting: count) == count)
    }

    @Test func aSleepThatRunsOutReturnsAndIsReleased() async throws {
        let ledger = CancellableSleep.Ledger()
        try await CancellableSleep.$ledger.withValue(ledger) {
            try await CancellableSleep.sleep(for: .milliseconds(20))
        }
        #expect(await released(ledger, expecting: 1) == 1)
    }

    @Test func aTaskAlreadyCancelledDoesNotSleep() async throws {
        let ledger = CancellableSleep.Ledger()
        let threw = await CancellableSleep.$ledger.withValue(ledger) {
            await Task {
                withUnsafeCurrentTask { $0?.cancel() }
                do {
                    try await CancellableSleep.sleep(for: .seconds(3600))
                    return false
                } catch {
                    return error is CancellationError
                }
            }.value
        }
        #expect(threw)
        #expect(await released(ledger, expecting: 1) == 1)
    }

    @Test func zeroAndNegativeDurationsReturn() async throws {
        try await CancellableSleep.sleep(for: .zero)
        try await CancellableSleep.sleep(for: .seconds(-1))
    }
}
