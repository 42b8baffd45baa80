import Foundation
import Testing
@testable import AgentFCGI

/// Request body cap.
@Suite struct BodyCollectorTests {
    private func feed(_ collector: inout BodyCollector, _ sizes: [Int]) -> Bool {
        for size in sizes {
            let bytes = [UInt8](repeating: 0x61, count: size)
            if !bytes.withUnsafeBytes({ collector.append($0) }) { return false }
        }
        return true
    }

    /// A body up to the cap is kept whole.
    @Test func upToTheCap() {
        var collector = BodyCollector(maxBytes: 10)
        #expect(feed(&collector, [4, 6]))
        #expect(collector.outcome == .complete(Data(repeating: 0x61, count: 10)))
    }

    /// One byte over the cap is too large, and reading goes on to drain the upload.
    @Test func overTheCap() {
        var collector = BodyCollector(maxBytes: 10, discardLimit: 100)
        #expect(feed(&collector, [10, 1]))
        #expect(collector.outcome == .tooLarge)
        #expect(collector.data.isEmpty, "nothing past the cap is kept in memory")
    }

    /// Reading stops once the discard limit is passed.
    @Test func discardLimit() {
        var collector = BodyCollector(maxBytes: 10, discardLimit: 100)
        #expect(!feed(&collector, [60, 60]))
        #expect(collector.outcome == .tooLarge)
    }

    /// An empty body is complete.
    @Test func empty() {
        #expect(BodyCollector(maxBytes: 0).outcome == .complete(Data()))
    }
}
