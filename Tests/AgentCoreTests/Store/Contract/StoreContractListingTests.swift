import Foundation
import Testing
@testable import AgentCore

/// Listing, counting and expiry, against each backend.
@Suite struct StoreContractListingTests {
    typealias F = StoreFixtures
    typealias C = Contract

    @Test(arguments: Backend.allCases) func pagesVisitEverySessionOnceInCreationOrder(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            var created: [(Date, String)] = []
            for n in 0..<25 {
                // Pairs share a creation time and ids run backwards, so the id must break ties;
                // sub-second times must survive exactly for the cursor to land between them.
                let id = "s\(String(format: "%02d", 24 - n))"
                let createdAt = F.start.addingTimeInterval(Double(n / 2) + 1.0 / 3)
                try await store.createSession(C.header(id, createdAt: createdAt))
                created.append((createdAt, id))
            }
            let expected = created.sorted { $0 < $1 }.map(\.1)
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.listSessions(in: .everyone, limit: 10, after: cursor)
                seen += page.sessions.map(\.id)
                cursor = page.nextCursor
                pages += 1
                if pages == 1 {
                    // Added mid-listing with an older creation time: keyset paging must not shift.
                    try await store.createSession(C.header("early", createdAt: F.start.addingTimeInterval(-100)))
                }
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == expected)
            let all = try await store.listSessions(in: .everyone, limit: 100, after: nil)
            #expect(all.sessions.map(\.id) == ["early"] + expected)
            #expect(all.nextCursor == nil)
            #expect(all.sessions.first?.createdAt == F.start.addingTimeInterval(-100))
            #expect(try await store.countSessions(in: .everyone) == 26)
            await #expect(throws: SessionError.invalidCursor("nonsense!")) {
                _ = try await store.listSessions(in: .everyone, limit: 2, after: "nonsense!")
            }
        }
    }

    @Test(arguments: Backend.allCases) func ownersSeeAndCountOnlyTheirOwnSessions(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            for n in 0..<9 {
                let owner: String? = n < 4 ? "alice" : (n < 7 ? "bob" : nil)
                try await store.createSession(C.header("s\(n)", owner: owner, createdAt: F.start.addingTimeInterval(Double(n))))
            }
            let first = try await store.listSessions(in: .owner("alice"), limit: 3, after: nil)
            #expect(first.sessions.map(\.id) == ["s0", "s1", "s2"])
            #expect(first.sessions.allSatisfy { $0.owner == "alice" })
            let second = try await store.listSessions(in: .owner("alice"), limit: 3, after: first.nextCursor)
            #expect(second.sessions.map(\.id) == ["s3"])
            #expect(second.nextCursor == nil)
            #expect(try await store.listSessions(in: .owner("carol"), limit: 3, after: nil).sessions.isEmpty)
            #expect(try await store.countSessions(in: .owner("alice")) == 4)
            #expect(try await store.countSessions(in: .owner("bob")) == 3)
            #expect(try await store.countSessions(in: .owner(nil)) == 2, "anonymous: sessions created without an owner")
            let anonymous = try await store.listSessions(in: .owner(nil), limit: 1, after: nil)
            #expect(anonymous.sessions.map(\.id) == ["s7"] && anonymous.sessions.allSatisfy { $0.owner == nil })
            #expect(try await store.listSessions(in: .owner(nil), limit: 10, after: anonymous.nextCursor).sessions.map(\.id)
                    == ["s8"], "the anonymous scope pages on its own")
            #expect(try await store.listSessions(in: .everyone, limit: 100, after: nil).sessions.map(\.id)
                    == (0..<9).map { "s\($0)" }, "everyone: every owner's and the anonymous ones")
            #expect(try await store.countSessions(in: .owner("carol")) == 0)
            #expect(try await store.countSessions(in: .everyone) == 9)
            try await store.deleteSession(id: "s8")
            try await store.deleteSession(id: "s0")
            #expect(try await store.countSessions(in: .owner(nil)) == 1)
            #expect(try await store.countSessions(in: .owner("alice")) == 3)
            #expect(try await store.countSessions(in: .everyone) == 7)
        }
    }

    @Test(arguments: Backend.allCases) func expiryDeletesIdleSessionsExceptExcluded(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        try await place.withStore { store in
            for n in 0..<6 {
                try await store.createSession(C.header("s\(n)"))
                try await store.commitTurn(C.commit(events: F.events(1...2, session: "s\(n)"),
                                                    lastUsedAt: F.start.addingTimeInterval(Double(n) * 60)), to: "s\(n)")
            }
            let expired = try await store.expireSessions(idleBefore: F.start.addingTimeInterval(150), excluding: ["s1"])
            #expect(expired.sorted() == ["s0", "s2"])
            #expect(try await store.loadSession(id: "s0") == nil)
            #expect(try await store.events(sessionId: "s0", after: 0, limit: 10).isEmpty, "events go with their session")
            #expect(try await store.loadSession(id: "s1") != nil)
            #expect(try await store.listSessions(in: .everyone, limit: 10, after: nil).sessions.map(\.id)
                    == ["s1", "s3", "s4", "s5"])
            #expect(try await store.countSessions(in: .everyone) == 4)
            #expect(try await store.expireSessions(idleBefore: F.start, excluding: []).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases) func eventLogKeepsOnlyTheNewestWithinTheBound(_ backend: Backend) async throws {
        let place = try await StorePlace(backend, maxEvents: 5)
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            try await store.commitTurn(C.commit(events: F.events(1...3)), to: "s1")
            try await store.commitTurn(C.commit(events: F.events(4...7)), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq) == [3, 4, 5, 6, 7])
            try await store.commitTurn(C.commit(events: F.events(8...15)), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq) == [11, 12, 13, 14, 15],
                    "one batch larger than the bound")
            #expect(try await store.events(sessionId: "s1", after: 12, limit: 2).map(\.seq) == [13, 14])
            #expect(try await store.loadSession(id: "s1")?.summary.lastSeq == 15)
        }
        try await place.withStore { store in
            try await store.commitTurn(C.commit(events: F.events(16...16)), to: "s1")
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).map(\.seq)
                    == [12, 13, 14, 15, 16], "the bound holds across reopening")
        }
    }
}
