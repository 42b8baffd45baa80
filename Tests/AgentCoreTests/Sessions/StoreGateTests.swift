import Foundation
import Testing
@testable import AgentCore

/// A turn that cannot be saved is not started, even when the store fails between the manager's
/// (throttled) health check and the query's first write.
@Suite struct StoreGateTests {
    @Test func aQueryWhoseRunningMarkerCannotBeWrittenNeverCallsTheModel() async throws {
        let directory = try TemporaryDirectory()
        // A long probe interval: the manager's check answers from its cache, as it would within
        // a second of the last probe in production.
        var settings = StoreFixtures.settings(directory)
        settings.healthProbeInterval = .seconds(3600)
        let store = try await SQLiteSessionStore(settings: settings)
        let files = [directory.databasePath, directory.databasePath + "-wal"]
        var immutable = false
        defer { if immutable { _ = Self.chattr("-i", files) } }
        let manager = SessionManager(settings: sessionSettings(), store: store)
        let runner = ScriptedRunner()
        let first = try await manager.submitQuery(sessionId: "s", owner: nil, message: "a", runner: runner,
                                                  defaultSystemPrompt: nil)
        #expect(await first.result().persistenceError == nil)

        immutable = Self.chattr("+i", files)
        try #require(immutable, "chattr +i makes the files unwritable even for root")
        let second = try await manager.submitQuery(sessionId: "s", owner: nil, message: "b", runner: runner,
                                                   defaultSystemPrompt: nil)
        let events = await collect(second)
        let result = await second.result()
        #expect(runner.started.load(ordering: .relaxed) == 1, "the model is not called for the second turn")
        guard case .error(let message, .internalError) = result.terminal else {
            Issue.record("expected an internal error, got \(result.terminal)")
            return
        }
        #expect(message.contains("store unavailable"), "\(message)")
        guard case .storeUnavailable? = result.failure else {
            Issue.record("the blocking endpoint needs the refusal to answer 503, got \(String(describing: result.failure))")
            return
        }
        #expect(events.map(\.event.type) == ["error", "usage"], "a well-formed stream: error, then usage")
        #expect(!store.health.isHealthy)

        #expect(Self.chattr("-i", files))
        immutable = false
        let session = try await manager.session(id: "s", owner: nil)
        #expect(try await session.messages().map(\.content) == ["a", "echo: a"], "the refused turn left no trace in history")
        await store.close()
        let reopened = try await SQLiteSessionStore(settings: settings)
        #expect(try await reopened.loadSession(id: "s")?.history.map(\.content) == ["a", "echo: a"])
        await reopened.close()
    }

    static func chattr(_ flag: String, _ paths: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag] + paths
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
