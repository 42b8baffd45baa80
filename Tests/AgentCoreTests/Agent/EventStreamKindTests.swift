import Foundation
import Testing
@testable import AgentCore

/// The one stream-membership table (docs/API.md §1.2) that the live relay and the replay share.
@Suite struct EventStreamKindTests {
    static let usage = SessionUsage()
    /// One event of every type, with the streams docs/API.md §1.2 sends it on.
    static let cases: [(AgentEvent, step: Bool, delta: Bool)] = [
        (.thinking(content: "t"), true, false),
        (.text(content: "t"), true, false),
        (.stepStart(stepId: "s", title: "t", stepNumber: 1), true, true),
        (.toolCall(tool: "t", args: [:], toolCallId: "c", displayName: "t"), true, true),
        (.toolResult(tool: "t", result: "r", toolCallId: "c", isError: false, screenshotBase64: nil), true, true),
        (.stepComplete(stepId: "s", status: .completed, durationMs: 1), true, true),
        (.hidden(content: "h"), true, true),
        (.textDelta(delta: "d"), false, true),
        (.thinkingStart(thinkId: "k"), false, true),
        (.thinkingDelta(thinkId: "k", delta: "d"), false, true),
        (.thinkingEnd(thinkId: "k"), false, true),
        (.final(content: "f", status: .completed), true, true),
        (.usage(usage), true, true),
        (.error(message: "e", code: .internalError), true, true),
    ]

    @Test func everyEventGoesToTheStreamsTheContractNames() {
        for (event, step, delta) in Self.cases {
            #expect(EventStreamKind.step.includes(event) == step, "\(event.type) on the step stream")
            #expect(EventStreamKind.delta.includes(event) == delta, "\(event.type) on the delta stream")
            #expect(EventStreamKind.all.includes(event), "\(event.type) on the full stream")
        }
    }

    @Test func storedEventsKnownOnlyByTypeAreSortedTheSameWay() {
        for (event, _, _) in Self.cases {
            for kind in EventStreamKind.allCases {
                #expect(kind.includes(type: event.type) == kind.includes(event), "\(event.type) on \(kind)")
            }
        }
    }

    @Test func theTableNamesOnlyRealEventTypes() {
        let types = Set(Self.cases.map(\.0.type))
        #expect(EventStreamKind.stepOnly.isSubset(of: types) && EventStreamKind.deltaOnly.isSubset(of: types),
                "a misspelt name in the table would silently send that event everywhere")
        #expect(EventStreamKind.allCases.map(\.rawValue) == ["step", "delta", "all"], "the ?stream= values")
    }
}
