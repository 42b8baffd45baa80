import Foundation
import Testing
@testable import AgentCore

@Suite struct StoreHealthStateTests {
    @Test func degradedCarriesItsReasonUntilASuccess() {
        let state = StoreHealthState()
        #expect(state.current == .healthy)
        state.recordFailure("disk full")
        #expect(state.current == .degraded(reason: "disk full"))
        state.recordFailure("read-only file")
        #expect(state.current == .degraded(reason: "read-only file"))
        state.recordSuccess()
        #expect(state.current == .healthy)
    }

    @Test func exactlyOneOfManyConcurrentCallersClaimsEachProbe() async {
        let state = StoreHealthState()
        let claims = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask { state.claimProbe(interval: .seconds(60)) }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(claims == 1)
        #expect(!state.claimProbe(interval: .seconds(60)), "within the interval nobody probes")
    }

    @Test func theNextProbeIsDueWhenTheIntervalHasPassed() async throws {
        let state = StoreHealthState()
        #expect(state.claimProbe(interval: .milliseconds(50)))
        #expect(!state.claimProbe(interval: .milliseconds(50)))
        try await Task.sleep(for: .milliseconds(80))
        #expect(state.claimProbe(interval: .milliseconds(50)))
    }
}
