import Foundation
import Testing
@testable import AgentCore

/// The values the store and session tests are written with, and stores on temporary files.
enum StoreFixtures {
    static let start = Date(timeIntervalSince1970: 1_790_000_000.125)

    static func settings(_ directory: TemporaryDirectory, maxEvents: Int = 10_000) -> SQLiteSessionStore.Settings {
        SQLiteSessionStore.Settings(path: directory.databasePath, maxEventsPerSession: maxEvents,
                                          busyTimeout: .seconds(2), healthProbeInterval: .zero)
    }

    /// Opens a store on the directory's database, runs `body`, and closes the store whatever happens.
    static func withStore<T>(_ directory: TemporaryDirectory, maxEvents: Int = 10_000,
                             _ body: (SQLiteSessionStore) async throws -> T) async throws -> T {
        try await SQLiteSessionStore(settings: settings(directory, maxEvents: maxEvents)).closing(after: body)
    }

    /// A store on a fresh temporary file for `body`, closed and removed afterwards: for tests
    /// about sessions rather than storage (the product never runs without a store).
    static func withTemporaryStore<T>(function: String = #function,
                                      _ body: (SQLiteSessionStore) async throws -> T) async throws -> T {
        let directory = try TemporaryDirectory(function: function)
        return try await withStore(directory, body)
    }

    /// Raw SQL against a database file, on its own thread like the store (tests build old
    /// schemas and bulk data with it).
    static func withRawConnection<T: Sendable>(_ path: String,
                                               _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let thread = try await SQLiteThread(name: "test-sqlite") { try SQLiteConnection(path: path) }
        do {
            let result = try await thread.perform(body)
            await thread.stop { $0.close() }
            return result
        } catch {
            await thread.stop { $0.close() }
            throw error
        }
    }

    static func header(_ id: String, owner: String? = nil, createdAt: Date = start) -> SessionHeader {
        SessionHeader(id: id, owner: owner, createdAt: createdAt, systemPrompt: "be brief")
    }

    static func usage(prompt: Int, completion: Int) -> SessionUsage {
        var model = ModelUsage(model: "gpt-test")
        model.promptTokens = prompt
        model.completionTokens = completion
        model.invocations = 1
        model.cost = 0.25
        var usage = SessionUsage()
        usage.byModel["gpt-test"] = model
        return usage
    }

    static func event(_ seq: Int64, session: String = "s1", query: String = "q1",
                      _ event: AgentEvent = .text(content: "hello")) -> StampedEvent {
        StampedEvent(event: event, timestamp: start.addingTimeInterval(Double(seq)), sessionId: session, queryId: query,
                     seq: seq)
    }

    static func events(_ seqs: ClosedRange<Int64>, session: String = "s1", query: String = "q1") -> [StampedEvent] {
        seqs.map { event($0, session: session, query: query, .text(content: "event \($0)")) }
    }

    /// A step as the agent loop produces it: an assistant tool call and its result.
    static func toolStep(_ n: Int) -> [ChatMessage] {
        [.assistant("", toolCalls: [ToolCall(id: "call\(n)", name: "read", arguments: #"{"path":"f\#(n)"}"#)],
                    reasoning: "thinking \(n)"),
         .toolResult(callId: "call\(n)", name: "read", content: "contents \(n)", isError: n % 2 == 1)]
    }
}
