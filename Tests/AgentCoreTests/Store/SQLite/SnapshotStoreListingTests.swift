import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreListingTests {
    typealias F = StoreFixtures

    @Test func pagingVisitsEverySessionOnceInCreationOrder() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            var created: [(Date, String)] = []
            for n in 0..<25 {
                // Pairs share a creation time and ids run backwards, so the id must break ties.
                let id = "s\(String(format: "%02d", 24 - n))"
                let owner = n % 3 == 0 ? "alice" : (n % 3 == 1 ? "bob" : nil)
                let createdAt = F.start.addingTimeInterval(Double(n / 2))
                try await store.createSession(F.header(id, owner: owner, createdAt: createdAt))
                created.append((createdAt, id))
            }
            let expected = created.sorted { $0 < $1 }.map(\.1)

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.listSessions(in: .everyone, limit: 10, after: cursor)
                seen += page.sessions.map(\.id)
                // Round trip through the client-facing token, as the HTTP layer will.
                cursor = try page.nextCursor.map { try #require(SessionCursor(token: $0)).token }
                pages += 1
                if pages == 1 {
                    // Added mid-listing with an older creation time: keyset paging must not shift.
                    try await store.createSession(F.header("early", createdAt: F.start.addingTimeInterval(-100)))
                }
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == expected)
            let byTime = try await store.listSessions(in: .everyone, limit: 100, after: nil).sessions
            #expect(byTime.map(\.id) == ["early"] + expected)
            #expect(zip(byTime, byTime.dropFirst()).allSatisfy { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) })
            #expect(try await store.countSessions(in: .everyone) == 26)
        }
    }

    @Test func ownerFilterListsAndCountsOnlyThatOwner() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            for n in 0..<9 {
                try await store.createSession(F.header("s\(n)", owner: n < 4 ? "alice" : "bob",
                                                       createdAt: F.start.addingTimeInterval(Double(n))))
            }
            let first = try await store.listSessions(in: .owner("alice"), limit: 3, after: nil)
            #expect(first.sessions.map(\.id) == ["s0", "s1", "s2"])
            let second = try await store.listSessions(in: .owner("alice"), limit: 3, after: first.nextCursor)
            #expect(second.sessions.map(\.id) == ["s3"])
            #expect(second.nextCursor == nil)
            #expect(try await store.countSessions(in: .owner("alice")) == 4)
            #expect(try await store.countSessions(in: .owner("bob")) == 5)
            #expect(try await store.countSessions(in: .owner("carol")) == 0)
        }
    }

    /// Issue 12 #4: "no owner" is a scope of its own, not "any owner". An anonymous caller's
    /// listing and count hold only the sessions created without a principal, page after page.
    @Test func unownedScopeListsAndCountsOnlySessionsWithoutAnOwner() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            for n in 0..<9 {
                let owner: String? = n % 3 == 0 ? nil : (n % 3 == 1 ? "alice" : "bob")
                try await store.createSession(F.header("s\(n)", owner: owner, createdAt: F.start.addingTimeInterval(Double(n))))
            }
            let first = try await store.listSessions(in: .owner(nil), limit: 2, after: nil)
            #expect(first.sessions.map(\.id) == ["s0", "s3"])
            #expect(first.sessions.allSatisfy { $0.owner == nil })
            let second = try await store.listSessions(in: .owner(nil), limit: 2, after: first.nextCursor)
            #expect(second.sessions.map(\.id) == ["s6"])
            #expect(second.nextCursor == nil)
            #expect(try await store.countSessions(in: .owner(nil)) == 3)
            #expect(try await store.countSessions(in: .everyone) == 9)
            #expect(try await store.deleteSession(id: "s3"))
            #expect(try await store.countSessions(in: .owner(nil)) == 2)
            #expect(try await store.listSessions(in: .everyone, limit: 100, after: nil).sessions.count == 8)
        }
    }

    @Test func cursorTokenRejectsForeignInput() {
        #expect(SessionCursor(token: "not base64!") == nil)
        #expect(SessionCursor(token: "aGVsbG8") == nil, "base64 of text without a colon")
        let cursor = SessionCursor(after: SessionSummary(id: "a:b/c", owner: nil,
                                                         createdAt: Date(timeIntervalSince1970: 1.0e9 + 1.0 / 3),
                                                         systemPrompt: nil))
        #expect(SessionCursor(token: cursor.token) == cursor, "ids with ':' and exact sub-second times round-trip")
    }

    @Test func expiryDeletesIdleSessionsExceptExcluded() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            for n in 0..<6 {
                try await store.createSession(F.header("s\(n)"))
                try await store.appendEvents(F.events(1...2, session: "s\(n)"), to: "s\(n)",
                                             lastUsedAt: F.start.addingTimeInterval(Double(n) * 60))
            }
            let expired = try await store.expireSessions(idleBefore: F.start.addingTimeInterval(150), excluding: ["s1"])
            #expect(expired.sorted() == ["s0", "s2"])
            #expect(try await store.loadSession(id: "s0") == nil)
            #expect(try await store.events(sessionId: "s0", after: 0, limit: 10).isEmpty, "events go with their session")
            #expect(try await store.loadSession(id: "s1") != nil)
            #expect(try await store.listSessions(in: .everyone, limit: 10, after: nil).sessions.map(\.id) == ["s1", "s3", "s4", "s5"])
            #expect(try await store.expireSessions(idleBefore: F.start, excluding: []).isEmpty)
        }
    }
}
