import Foundation
import Testing
@testable import AgentCore

/// The wake-up a cross-responder follower waits on: a ring is never lost, whether it comes
/// before the wait or during it, and a wait without a ring ends at its timeout.
///
/// A lost ring shows as a wait that lasts its whole (one hour) timeout, which the suite's time
/// limit turns into a failure; no bound here depends on how busy the machine is.
@Suite(.timeLimit(.minutes(2))) struct DoorbellTests {
    static let forever: Duration = .seconds(3600)

    static func seconds(_ work: () async -> Void) async -> Double {
        let start = ContinuousClock.now
        await work()
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    @Test func aRingBeforeTheWaitIsKeptForIt() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        // Lost, it would cost the whole timeout.
        await bell.wait(timeout: Self.forever)
        // Two rings are one wake-up: the next wait waits again.
        #expect(await Self.seconds { await bell.wait(timeout: .milliseconds(100)) } >= 0.09)
    }

    @Test func aRingDuringTheWaitWakesIt() async {
        let bell = Doorbell()
        let ringer = Task {
            try? await Task.sleep(for: .milliseconds(100))
            bell.ring()
        }
        await bell.wait(timeout: Self.forever)
        await ringer.value
    }

    @Test func aWaitWithoutARingEndsAtItsTimeout() async {
        let bell = Doorbell()
        let elapsed = await Self.seconds { await bell.wait(timeout: .milliseconds(50)) }
        #expect(elapsed >= 0.045)
        // A ring after a timed-out wait is kept for the next one.
        bell.ring()
        await bell.wait(timeout: Self.forever)
    }
}
