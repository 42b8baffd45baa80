import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreMigrationTests {
    typealias F = StoreFixtures

    /// A database as the first release wrote it: schema v1, one session with history and events.
    private func makeVersion1Database(at path: String) async throws {
        let message = String(decoding: try JSONEncoder().encode(ChatMessage.user("from v1")), as: UTF8.self)
        let usage = String(decoding: try JSONEncoder().encode(F.usage(prompt: 7, completion: 3)), as: UTF8.self)
        let event = F.event(1, session: "old", .final(content: "v1 answer", status: .completed))
        try await F.withRawConnection(path) { connection in
            try SchemaMigrator(migrations: [.initial]).migrate(connection)
            try connection.run("""
                INSERT INTO sessions (id, owner, created_at, last_used_at, system_prompt, usage, message_count, last_seq,
                                      event_count)
                VALUES ('old', 'alice', ?, ?, 'v1 prompt', ?, 1, 1, 1)
                """, [.real(F.start.timeIntervalSince1970), .real(F.start.timeIntervalSince1970 + 1), .text(usage)])
            try connection.run("INSERT INTO messages (session_id, idx, json) VALUES ('old', 0, ?)", [.text(message)])
            try connection.run("INSERT INTO events (session_id, seq, query_id, type, json) VALUES ('old', 1, 'q1', 'final', ?)",
                               [.text(event.json)])
        }
    }

    @Test func version1DatabaseIsUpgradedWithItsDataIntact() async throws {
        let directory = try TemporaryDirectory()
        try await makeVersion1Database(at: directory.databasePath)
        let before = try await F.withRawConnection(directory.databasePath) { try SchemaMigrator().version(of: $0) }
        #expect(before == 1)

        try await F.withStore(directory) { store in
            let stored = try #require(try await store.loadSession(id: "old"), "the v1 session must survive the upgrade")
            #expect(stored.history == [.user("from v1")])
            #expect(stored.summary == SessionSummary(id: "old", owner: "alice", createdAt: F.start,
                                                   lastUsedAt: F.start.addingTimeInterval(1), systemPrompt: "v1 prompt",
                                                   usage: F.usage(prompt: 7, completion: 3), title: "from v1",
                                                   messageCount: 1, lastSeq: 1, runningQueryId: nil),
                    "v5 names the session after its first user message and sets no usage aside")
            #expect(try await store.events(sessionId: "old", after: 0, limit: 10).map(\.type) == ["final"])
            // The v2 column works on the upgraded data.
            try await store.beginQuery(sessionId: "old", queryId: "q2", title: nil)
            #expect(try await store.recoverInterruptedQueries(now: F.start).map(\.queryId) == ["q2"])
            // v3 counted the sessions already there, and keeps counting.
            #expect(try await store.countSessions(in: .everyone) == 1)
            #expect(try await store.countSessions(in: .owner("alice")) == 1)
            try await store.createSession(F.header("new"))
            #expect(try await store.countSessions(in: .everyone) == 2)
            #expect(try await store.deleteSession(id: "old"))
            #expect(try await store.countSessions(in: .owner("alice")) == 0)
            #expect(try await store.countSessions(in: .everyone) == 1)
        }
        let after = try await F.withRawConnection(directory.databasePath) { try SchemaMigrator().version(of: $0) }
        #expect(after == SchemaMigration.currentVersion)
        #expect(SchemaMigration.currentVersion == 8)
    }

    /// v5's title for sessions stored before it: the first message when it is the user's, on one
    /// line and cut like `SessionTitle`; none for a compaction summary or a blank message.
    @Test func version5NamesExistingSessionsAfterTheirFirstUserMessage() async throws {
        let directory = try TemporaryDirectory()
        let long = "Line one\nline two " + String(repeating: "x", count: 100)
        let first: [String: ChatMessage] = [
            "long": .user(long), "summary": .user(ContextCompactor.summaryPrefix + "earlier"), "blank": .user(" \n "),
            "assistant": .assistant("hello"),
        ]
        try await F.withRawConnection(directory.databasePath) { connection in
            try SchemaMigrator(migrations: Array(SchemaMigration.all.prefix(4))).migrate(connection)
            for (id, message) in first {
                let json = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
                try connection.run("""
                    INSERT INTO sessions (id, created_at, last_used_at, usage, message_count) VALUES (?, 0, 0, '{"byModel":{}}', 1)
                    """, [.text(id)])
                try connection.run("INSERT INTO messages (session_id, idx, json) VALUES (?, 0, ?)", [.text(id), .text(json)])
            }
        }
        try await F.withStore(directory) { store in
            let expected = SessionTitle.from(message: long)
            let named = try await store.sessionSummary(id: "long")
            #expect(named?.title == expected)
            #expect(expected?.count == SessionTitle.maxLength)
            for id in ["summary", "blank", "assistant"] {
                let unnamed = try await store.sessionSummary(id: id)
                #expect(unnamed != nil && unnamed?.title == nil, "\(id)")
            }
        }
    }

    @Test func migrationsAreOrderedAndStartAtOne() {
        // Strictly increasing rather than consecutive while features developed in parallel hold
        // their own numbers (v7, pending approvals, lands before v6); the migrator skips no step.
        let versions = SchemaMigration.all.map(\.version)
        #expect(versions.first == 1 && zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func databaseFromANewerVersionIsRefused() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { _ in }
        try await F.withRawConnection(directory.databasePath) { try $0.run("UPDATE schema_version SET version = 99") }
        do {
            _ = try await SQLiteSessionStore(settings: F.settings(directory))
            Issue.record("opening a v99 database must fail")
        } catch StoreError.schemaTooNew(_, let found, let supported) {
            #expect(found == 99 && supported == SchemaMigration.currentVersion)
        }
    }

    @Test func corruptFileIsRefusedWithAClearError() async throws {
        let directory = try TemporaryDirectory()
        let garbage = Data((0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        #expect(FileManager.default.createFile(atPath: directory.databasePath, contents: garbage))
        do {
            _ = try await SQLiteSessionStore(settings: F.settings(directory))
            Issue.record("opening a corrupt file must fail")
        } catch let error as StoreError {
            guard case .corrupt(let path, _) = error else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(path == directory.databasePath)
            #expect(error.description.contains("is corrupt (file is not a database)"), "\(error)")
        }
    }
}
