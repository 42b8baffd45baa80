import Foundation
import Testing
@testable import AgentCore

/// The fields a session gained after the first store (title, cleared usage, its own model,
/// content parts, the running-query mark left alone), against each backend: what is written
/// comes back, from a load and from a listing, after reopening.
@Suite struct StoreContractSessionFieldsTests {
    typealias F = StoreFixtures
    typealias C = Contract

    @Test(arguments: Backend.allCases) func titleIsSetByTheFirstQueryOnlyAndKeptAcrossClear(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        // A NUL and non-ASCII: the title is the user's text, which PostgreSQL text cannot hold as is.
        let first = "first\u{0} question ✓"
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            try await store.beginQuery(sessionId: "s1", queryId: "q0", title: nil)
            #expect(try await store.loadSession(id: "s1")?.summary.title == nil, "no title until a query brings one")
            try await store.beginQuery(sessionId: "s1", queryId: "q1", title: first)
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user(first), .assistant("a")]),
                                                usage: F.usage(prompt: 5, completion: 1)), to: "s1")
            try await store.beginQuery(sessionId: "s1", queryId: "q2", title: "second question")
            #expect(try await store.loadSession(id: "s1")?.summary.title == first, "a later query does not retitle")
            // A clear as the session layer writes it: history and usage reset in one commit.
            try await store.commitTurn(C.commit(history: .replace(with: []), usage: SessionUsage(),
                                                clearedUsage: F.usage(prompt: 5, completion: 1)), to: "s1")
            try await store.beginQuery(sessionId: "s1", queryId: "q3", title: "after the clear")
        }
        try await place.withStore { store in
            #expect(try await store.loadSession(id: "s1")?.summary.title == first, "kept across clear and reopening")
            let listed = try await store.listSessions(in: .everyone, limit: 10, after: nil).sessions
            #expect(listed.map(\.title) == [first])
        }
    }

    @Test(arguments: Backend.allCases) func clearedUsageRoundTripsAndNilFieldsLeaveStoredValues(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let before = F.usage(prompt: 100, completion: 20), after = F.usage(prompt: 7, completion: 3)
        let cleared = F.start.addingTimeInterval(60)
        try await place.withStore { store in
            try await store.createSession(C.header("s1"))
            #expect(try await store.loadSession(id: "s1")?.summary.clearedUsage == SessionUsage(), "nothing set aside yet")
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("a")]), usage: before), to: "s1")
            try await store.commitTurn(C.commit(history: .replace(with: []), usage: SessionUsage(), clearedUsage: before,
                                                lastUsedAt: cleared), to: "s1")
            try await store.beginQuery(sessionId: "s1", queryId: "q2", title: nil)
            // usage, clearedUsage and lastUsedAt nil, marker unchanged: only the events land.
            try await store.commitTurn(TurnCommit(events: F.events(1...2, query: "q2"), usage: nil, lastUsedAt: nil), to: "s1")
            let unchanged = try #require(try await store.loadSession(id: "s1")?.summary)
            #expect(unchanged.usage == SessionUsage() && unchanged.clearedUsage == before)
            #expect(unchanged.lastUsedAt == cleared && unchanged.lastSeq == 2)
            #expect(unchanged.runningQueryId == "q2", ".unchanged keeps the running query's mark")
            try await store.commitTurn(TurnCommit(usage: after, lastUsedAt: nil, query: .running(queryId: "q3")), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.runningQueryId == "q3")
        }
        try await place.withStore { store in
            let stored = try #require(try await store.loadSession(id: "s1")?.summary)
            #expect(stored.usage == after, "since the clear")
            #expect(stored.clearedUsage == before, "what the clear set aside survives reopening")
            #expect(stored.clearedUsage.adding(stored.usage) == before.adding(after), "the lifetime total")
            let listed = try #require(try await store.listSessions(in: .everyone, limit: 1, after: nil).sessions.first)
            #expect(listed == stored, "a listing row carries every summary field")
            try await store.commitTurn(TurnCommit(usage: nil, lastUsedAt: nil, query: .finished), to: "s1")
            #expect(try await store.loadSession(id: "s1")?.summary.runningQueryId == nil)
            #expect(try await store.recoverInterruptedQueries(now: F.start).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases) func sessionModelAndContentPartsRoundTrip(_ backend: Backend) async throws {
        let place = try await StorePlace(backend)
        let image = ChatMessage.user(parts: [.text("and this?"), .image(url: "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
                                                                      detail: "low")])
        try await place.withStore { store in
            try await store.createSession(C.header("own", createdAt: F.start, model: "gpt-small"))
            try await store.createSession(C.header("default", createdAt: F.start.addingTimeInterval(1)))
            try await store.commitTurn(C.commit(history: .append(from: 0, messages: [.user("plain"), .assistant("ok"), image])),
                                       to: "own")
        }
        try await place.withStore { store in
            let own = try #require(try await store.loadSession(id: "own"))
            #expect(own.summary.model == "gpt-small")
            #expect(own.summary.header == C.header("own", createdAt: F.start, model: "gpt-small"))
            #expect(own.history == [.user("plain"), .assistant("ok"), image])
            #expect(own.history.last?.parts?.count == 2, "the parts themselves, not only their text")
            #expect(try await store.loadSession(id: "default")?.summary.model == nil, "nil: the configured default")
            let listed = try await store.listSessions(in: .everyone, limit: 10, after: nil).sessions
            #expect(listed.map(\.model) == ["gpt-small", nil])
        }
    }
}
