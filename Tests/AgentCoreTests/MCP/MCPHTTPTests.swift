import Foundation
import Testing
@testable import AgentCore

/// Streamable HTTP against the official Python SDK's server (Tests/Fixtures/mcp), answering with
/// SSE streams or plain JSON, killed and started again on the same port.
@Suite(.serialized) struct MCPHTTPTests {
    @Test(arguments: [false, true]) func toolsListAndCallOverSSEOrJSONAnswers(jsonResponse: Bool) async throws {
        let fixture = try await HTTPFixtureServer.start(jsonResponse: jsonResponse)
        defer { fixture.kill() }
        try await MCPFixtures.with(MCPFixtures.httpSpec(port: fixture.port)) { server in
            #expect(server.phase == .up, "\(server.status)")
            #expect(Set(server.tools.map(\.name)).isSuperset(of: ["add", "sleep", "fail", "huge", "whoami"]))
            #expect(try await MCPFixtures.text(server, "add", ["a": 40, "b": 2]).content == "42")
            let failed = try await MCPFixtures.text(server, "fail", ["message": "nope"])
            #expect(failed.isError && failed.content.contains("nope"))
            let unknown = try await MCPFixtures.text(server, "no_such_tool")
            #expect(unknown.isError, "\(unknown.content)")
        }
    }

    @Test func remoteUserIsFilledPerCallInTheConfiguredHeader() async throws {
        let fixture = try await HTTPFixtureServer.start()
        defer { fixture.kill() }
        let spec = MCPFixtures.httpSpec(port: fixture.port, headers: [HTTPHeader("X-User", "{remote_user}")])
        try await MCPFixtures.with(spec) { (server: MCPServer) async throws in
            async let alice = MCPFixtures.text(server, "whoami", owner: "alice")
            async let bob = MCPFixtures.text(server, "whoami", owner: "bob")
            #expect(try await alice.content == "alice")
            #expect(try await bob.content == "bob")
            #expect(try await MCPFixtures.text(server, "whoami").content == "<none>", "no principal: no header value")
        }
    }

    @Test func aKilledServerIsNoticedAndItsToolsWorkAgainOnceItIsBack() async throws {
        let fixture = try await HTTPFixtureServer.start()
        defer { fixture.kill() }
        try await MCPFixtures.with(MCPFixtures.httpSpec(port: fixture.port, startup: .seconds(5))) { server in
            let known = server.tools.map(\.name)
            try await fixture.crash()
            #expect(await MCPFixtures.eventually { server.phase != .up }, "the idle server's death is noticed (GET stream)")
            let down = try await MCPFixtures.text(server, "add", ["a": 1, "b": 1])
            #expect(down.isError && down.content.contains("MCP server fx is"), "\(down.content)")
            #expect(server.tools.map(\.name) == known, "the last known tool list is kept while it is down")
            try await fixture.restart()
            let back = ContinuousClock.now
            var worked = false
            while back.duration(to: .now) < .seconds(40), !worked {
                worked = try await MCPFixtures.text(server, "add", ["a": 1, "b": 1]).content == "2"
                if !worked { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(worked, "\(server.status)")
            #expect(server.status.restarts >= 1)
            print("MCP http restart: tools working again \(back.duration(to: .now)) after the server listened again")
        }
    }

    @Test func aRestartBetweenCallsLosesTheSessionAndTheCallIsRetriedOnANewOne() async throws {
        let fixture = try await HTTPFixtureServer.start(jsonResponse: true)
        defer { fixture.kill() }
        try await MCPFixtures.with(MCPFixtures.httpSpec(port: fixture.port)) { server in
            try await fixture.restart()
            // The new process does not know our session: 404, reconnect, one retry.
            let output = try await MCPFixtures.text(server, "add", ["a": 2, "b": 2])
            #expect(output.content == "4", "\(output.content) \(server.status)")
            #expect(server.status.restarts >= 1)
        }
    }

    @Test(arguments: ["stdio", "http"]) func listChangedRefreshesTheToolList(transport: String) async throws {
        let http = transport == "http" ? try await HTTPFixtureServer.start() : nil
        defer { http?.kill() }
        let spec = try http.map { MCPFixtures.httpSpec(port: $0.port) } ?? MCPFixtures.stdioSpec()
        try await MCPFixtures.with(spec) { (server: MCPServer) async throws in
            #expect(!server.tools.map(\.name).contains("extra"))
            #expect(try await MCPFixtures.text(server, "grow").content == "grown")
            #expect(await MCPFixtures.eventually(timeout: 10) { server.tools.map(\.name).contains("extra") }, "\(server.tools.map(\.name))")
            #expect(try await MCPFixtures.text(server, "extra").content == "extra tool")
        }
    }
}
