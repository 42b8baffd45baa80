import Foundation
import Testing
@testable import AgentCore

/// Servers that misbehave: never start, crash mid-call, hang, fail, flood. The fixture is the
/// official Python SDK's server (Tests/Fixtures/mcp) over stdio.
@Suite(.serialized) struct MCPFaultTests {
    /// Tool calls the fixture saw cancelled (its `stats` tool).
    static func cancelled(_ server: MCPServer) async -> Int? {
        guard let output = try? await MCPFixtures.text(server, "stats") else { return nil }
        return (try? JSONValue.parse(output.content))?["cancelled"]?.intValue
    }

    @Test func aProgramThatDoesNotExistIsDownWithTheReasonAndRetriedInTheBackground() async throws {
        // The spawn fails at once; the long startup timeout only keeps a loaded machine (the
        // failed exec reported late) from turning it into "did not answer initialize".
        let spec = MCPServerSpec(name: "ghost", transport: .stdio(argv: ["/nonexistent/mcp-server"], workingDirectory: nil,
                                                                 environmentAllowList: [], environment: [:]),
                                 startupTimeout: .seconds(60))
        try await MCPFixtures.with(spec) { server in
            #expect(server.phase != .up)
            #expect(server.status.lastError?.contains("cannot start /nonexistent/mcp-server") == true, "\(server.status)")
            let output = try await MCPFixtures.text(server, "anything")
            #expect(output.isError && output.content.contains("MCP server ghost is"), "\(output.content)")
            #expect(await MCPFixtures.eventually(timeout: 15) { server.status.restarts >= 2 }, "\(server.status)")
        }
    }

    @Test func aServerThatNeverAnswersInitializeIsDownAfterItsStartupTimeout() async throws {
        let spec = MCPServerSpec(name: "mute", transport: .stdio(argv: ["/bin/sleep", "60"], workingDirectory: nil,
                                                                environmentAllowList: [], environment: [:]),
                                 startupTimeout: .milliseconds(500))
        let started = ContinuousClock.now
        try await MCPFixtures.with(spec) { server in
            #expect(started.duration(to: .now) < .seconds(10), "start-up waits about the startup timeout, not forever")
            #expect(server.phase != .up)
            #expect(server.status.lastError?.contains("did not answer initialize within 0.5s") == true, "\(server.status)")
        }
    }

    @Test func aCrashMidCallIsRetriedOnceOnTheRestartedServer() async throws {
        let marker = NSTemporaryDirectory() + "mcp-crash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        try await MCPFixtures.with(try MCPFixtures.stdioSpec()) { server in
            let first = try #require(await server.processID)
            let output = try await MCPFixtures.text(server, "crash_once", ["marker": .string(marker)])
            #expect(!output.isError && output.content == "survived", "\(output.content)")
            #expect(server.status.restarts == 1 && server.phase == .up, "\(server.status)")
            #expect(await server.processID != first, "a new process answered")
        }
    }

    @Test func aServerThatCrashesEveryTimeGivesAnErrorResultAfterOneRetry() async throws {
        try await MCPFixtures.with(try MCPFixtures.stdioSpec()) { server in
            let output = try await MCPFixtures.text(server, "crash")
            #expect(output.isError, "\(output.content)")
            #expect(output.content.contains("exited with status 3") && output.content.contains("retry"), "\(output.content)")
            #expect(await MCPFixtures.eventually { server.phase == .up && server.status.restarts == 2 },
                    "the call was tried on two connections, and the server comes back for later calls: \(server.status)")
            #expect(try await MCPFixtures.text(server, "add", ["a": 1, "b": 2]).content == "3")
        }
    }

    @Test(arguments: ["stdio", "http"]) func aHangingCallTimesOutAndTheServerIsToldToCancel(transport: String) async throws {
        let http = transport == "http" ? try await HTTPFixtureServer.start() : nil
        defer { http?.kill() }
        let spec = try http.map { MCPFixtures.httpSpec(port: $0.port, call: .seconds(1)) } ?? MCPFixtures.stdioSpec(call: .seconds(1))
        try await MCPFixtures.with(spec) { server in
            let started = ContinuousClock.now
            let output = try await MCPFixtures.text(server, "sleep", ["seconds": 30])
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(output.isError && output.content.contains("did not finish sleep within 1s"), "\(output.content)")
            #expect(await MCPFixtures.eventually(timeout: 5) { await Self.cancelled(server) == 1 }, "the server got notifications/cancelled and stopped the tool")
            #expect(server.phase == .up, "a timeout does not cost the connection")
        }
    }

    @Test(arguments: ["stdio", "http"]) func cancellingTheQueryCancelsItsCallAtTheServer(transport: String) async throws {
        let http = transport == "http" ? try await HTTPFixtureServer.start() : nil
        defer { http?.kill() }
        let spec = try http.map { MCPFixtures.httpSpec(port: $0.port) } ?? MCPFixtures.stdioSpec()
        try await MCPFixtures.with(spec) { server in
            let call = Task { try await MCPFixtures.text(server, "sleep", ["seconds": 30]) }
            try await Task.sleep(for: .milliseconds(500))
            let started = ContinuousClock.now
            call.cancel()
            await #expect(throws: CancellationError.self) { _ = try await call.value }
            #expect(started.duration(to: .now) < .seconds(5))
            #expect(await MCPFixtures.eventually(timeout: 5) { await Self.cancelled(server) == 1 })
        }
    }

    @Test func isErrorBecomesAnErrorResultAndHugeOutputIsCutWithAMarker() async throws {
        try await MCPFixtures.with(try MCPFixtures.stdioSpec(outputCap: 1000)) { server in
            let failed = try await MCPFixtures.text(server, "fail", ["message": "the disk is on fire"])
            #expect(failed.isError && failed.content.contains("the disk is on fire"), "\(failed.content)")
            let huge = try await MCPFixtures.text(server, "huge", ["size": 2_000_000])
            #expect(!huge.isError)
            #expect(huge.content.hasSuffix("[output cut at 1000 of 2000000 bytes]"), "\(huge.content.suffix(80))")
            #expect(huge.content.utf8.count < 1100)
            #expect(server.status.errors == 1 && server.status.calls == 2, "\(server.status)")
        }
    }

    @Test func imagesAreDescribedAndResourcesShown() async throws {
        try await MCPFixtures.with(try MCPFixtures.stdioSpec()) { server in
            let output = try await MCPFixtures.text(server, "picture")
            #expect(output.content.contains("[image: image/png, "), "\(output.content)")
            #expect(output.content.contains("[resource file:///notes.txt (text/plain)]\nresource text"), "\(output.content)")
            #expect(output.screenshotBase64?.isEmpty == false, "the first image rides along for clients")
            #expect(try await MCPFixtures.text(server, "add", ["a": 2, "b": 3]).content == "5")
        }
    }

    @Test func aKilledStdioServerIsRestartedAndItsToolsWorkAgain() async throws {
        try await MCPFixtures.with(try MCPFixtures.stdioSpec()) { server in
            let pid = try #require(await server.processID)
            let known = server.tools.map(\.name)
            let killed = ContinuousClock.now
            kill(pid, SIGKILL)
            #expect(await MCPFixtures.eventually { server.phase == .up && server.status.restarts == 1 })
            #expect(server.tools.map(\.name) == known, "the tool list is kept while it is down")
            #expect(try await MCPFixtures.text(server, "add", ["a": 20, "b": 22]).content == "42")
            print("MCP stdio restart: tools working again \(killed.duration(to: .now)) after the kill")
        }
    }
}
