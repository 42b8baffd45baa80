import Foundation
import Testing
@testable import AgentFCGI

@Suite("Request body cap")
struct BodyCollectorTests {
    private func feed(_ collector: inout BodyCollector, _ sizes: [Int]) -> Bool {
        for size in sizes {
            let bytes = [UInt8](repeating: 0x61, count: size)
            if !bytes.withUnsafeBytes({ collector.append($0) }) { return false }
        }
        return true
    }

    @Test("a body up to the cap is kept whole")
    func upToTheCap() {
        var collector = BodyCollector(maxBytes: 10)
        #expect(feed(&collector, [4, 6]))
        #expect(collector.outcome == .complete(Data(repeating: 0x61, count: 10)))
    }

    @Test("one byte over the cap is too large, and reading goes on to drain the upload")
    func overTheCap() {
        var collector = BodyCollector(maxBytes: 10, discardLimit: 100)
        #expect(feed(&collector, [10, 1]))
        #expect(collector.outcome == .tooLarge)
        #expect(collector.data.isEmpty, "nothing past the cap is kept in memory")
    }

    @Test("reading stops once the discard limit is passed")
    func discardLimit() {
        var collector = BodyCollector(maxBytes: 10, discardLimit: 100)
        #expect(!feed(&collector, [60, 60]))
        #expect(collector.outcome == .tooLarge)
    }

    @Test("an empty body is complete")
    func empty() {
        #expect(BodyCollector(maxBytes: 0).outcome == .complete(Data()))
    }
}
