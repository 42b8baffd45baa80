import Foundation
import Testing
@testable import AgentCore

/// History with content parts in the snapshot store, next to rows written before parts existed.
@Suite struct ContentPartStorageTests {
    typealias F = StoreFixtures

    /// Messages exactly as the release before content parts wrote them (schema v3, JSON without `parts`).
    static let oldRows = [
        #"{"role":"user","content":"what is 2+3?","toolCalls":[],"isError":false}"#,
        #"{"role":"assistant","content":"","toolCalls":[{"id":"c1","name":"calculator","arguments":"{\"expression\":\"2+3\"}"}],"isError":false,"reasoning":"add"}"#,
        #"{"role":"tool","content":"5","toolCalls":[],"toolCallId":"c1","toolName":"calculator","isError":false}"#,
        #"{"role":"assistant","content":"It is 5.","toolCalls":[],"isError":false}"#,
    ]

    @Test func historyStoredBeforeContentPartsStillLoads() async throws {
        let directory = try TemporaryDirectory()
        let usage = String(decoding: try JSONEncoder().encode(SessionUsage()), as: UTF8.self)
        let rows = Self.oldRows
        try await F.withRawConnection(directory.databasePath) { connection in
            try SchemaMigrator(migrations: [.initial, .runningQueryMarker, .sessionCounts]).migrate(connection)
            try connection.run("""
                INSERT INTO sessions (id, owner, created_at, last_used_at, system_prompt, usage, message_count)
                VALUES ('before', NULL, ?, ?, NULL, ?, 4)
                """, [.real(F.start.timeIntervalSince1970), .real(F.start.timeIntervalSince1970), .text(usage)])
            for (index, json) in rows.enumerated() {
                try connection.run("INSERT INTO messages (session_id, idx, json) VALUES ('before', ?, ?)",
                                   [.int(index), .text(json)])
            }
        }
        try await F.withStore(directory) { store in
            let stored = try #require(try await store.loadSession(id: "before"))
            #expect(stored.history == [
                .user("what is 2+3?"),
                .assistant("", toolCalls: [ToolCall(id: "c1", name: "calculator", arguments: #"{"expression":"2+3"}"#)],
                           reasoning: "add"),
                .toolResult(callId: "c1", name: "calculator", content: "5"),
                .assistant("It is 5."),
            ])
            #expect(stored.history.allSatisfy { $0.parts == nil })
            #expect(stored.summary.model == nil, "sessions from before have the configured default model")
            // And the session goes on with a message that has parts.
            let image = ChatMessage.user(parts: [.text("and this?"), .image(url: "https://example.org/a.png", detail: nil)])
            try await store.commitTurn(TurnCommit(history: .append(from: 4, messages: [image]), usage: SessionUsage(), lastUsedAt: F.start),
                                       to: "before")
            #expect(try await store.loadSession(id: "before")?.history.last == image)
        }
    }

    @Test func partsAreStoredOnceInOpenAIsShape() async throws {
        let directory = try TemporaryDirectory()
        let message = ChatMessage.user(parts: [.text("Look"), .image(url: "data:image/gif;base64,R0lGODlhAQABAAAAACw=", detail: "low")])
        try await F.withStore(directory) { store in
            try await store.createSession(SessionHeader(id: "s", owner: nil, createdAt: F.start, systemPrompt: nil, model: "other"))
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: [message]), usage: SessionUsage(), lastUsedAt: F.start),
                                       to: "s")
            let stored = try #require(try await store.loadSession(id: "s"))
            #expect(stored.history == [message] && stored.summary.model == "other")
        }
        let json = try await F.withRawConnection(directory.databasePath) { connection in
            try connection.rows("SELECT json FROM messages WHERE session_id = 's'", []) { $0.text(0) }
        }
        let row = try JSONValue.parse(try #require(json.first))
        #expect(row["content"] == "Look")
        #expect(row["parts"] == [["type": "text", "text": "Look"],
                                 ["type": "image_url", "image_url": ["url": "data:image/gif;base64,R0lGODlhAQABAAAAACw=", "detail": "low"]]])
        #expect(json.first?.components(separatedBy: "R0lGODlh").count == 2, "the image is stored once")
    }
}
