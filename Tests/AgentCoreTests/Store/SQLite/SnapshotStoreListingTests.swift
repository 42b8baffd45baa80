import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreListingTests {
    typealias F = StoreFixtures

    @Test func cursorTokenRejectsForeignInput() {
        #expect(SessionCursor(token: "not base64!") == nil)
        #expect(SessionCursor(token: "aGVsbG8") == nil, "base64 of text without a colon")
        let cursor = SessionCursor(after: SessionSummary(id: "a:b/c", owner: nil,
                                                         createdAt: Date(timeIntervalSince1970: 1.0e9 + 1.0 / 3),
                                                         systemPrompt: nil))
        #expect(SessionCursor(token: cursor.token) == cursor, "ids with ':' and exact sub-second times round-trip")
    }
}
