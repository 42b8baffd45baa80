import Foundation
import Testing
@testable import AgentCore

/// Many calls at once, a connection lost under them, and what one call costs.
@Suite(.serialized) struct MCPLoadTests {
    @Test func fiftyConcurrentCallsFromSeveralQueriesOverBothTransports() async throws {
        let fixture = try await HTTPFixtureServer.start()
        defer { fixture.kill() }
        let pool = MCPServerPool(servers: [MCPServer(spec: try MCPFixtures.stdioSpec("local")),
                                           MCPServer(spec: MCPFixtures.httpSpec("remote", port: fixture.port))])
        await pool.start()
        let tools = pool.tools(reserved: [])
        let local = try #require(tools.first { $0.definition.name == "local__add" })
        let remote = try #require(tools.first { $0.definition.name == "remote__add" })
        let results = await withTaskGroup(of: (Int, ToolOutput?).self) { group in
            for query in 0..<5 {
                for call in 0..<10 {
                    let tool = call % 2 == 0 ? local : remote
                    let context = ToolContext(sessionId: "session-\(query)", owner: "user-\(query)", queryId: "q\(query)",
                                              toolCallId: "c\(call)")
                    group.addTask {
                        (query * 100 + call, try? await tool.call(arguments: ["a": .number(Double(query)), "b": .number(Double(call))],
                                                                 context: context))
                    }
                }
            }
            var collected: [(Int, ToolOutput?)] = []
            for await result in group { collected.append(result) }
            return collected
        }
        await pool.stop()
        #expect(results.count == 50)
        for (key, output) in results {
            #expect(output?.content == "\(key / 100 + key % 100)" && output?.isError == false, "\(key): \(String(describing: output))")
        }
        #expect(pool.statuses.map(\.calls).reduce(0, +) == 50)
    }

    @Test func parallelCallsCutOffByACrashShareOneRestart() async throws {
        try await MCPFixtures.with(try MCPFixtures.stdioSpec()) { server in
            let pid = try #require(await server.processID)
            let killer = Task {
                try await Task.sleep(for: .milliseconds(400))
                kill(pid, SIGKILL)
            }
            let outputs = await withTaskGroup(of: ToolOutput?.self) { group in
                for _ in 0..<10 { group.addTask { try? await MCPFixtures.text(server, "sleep", ["seconds": 1.5]) } }
                var all: [ToolOutput?] = []
                for await output in group { all.append(output) }
                return all
            }
            _ = try? await killer.value
            #expect(outputs.allSatisfy { $0?.content == "slept 1.5s" }, "\(outputs)")
            #expect(server.status.restarts == 1, "one reconnect served every retried call: \(server.status)")
        }
    }

    /// Not a timing assertion: prints the figures for the closing note (docs/MCP.md).
    @Test func roundTripOfOneCall() async throws {
        let fixture = try await HTTPFixtureServer.start()
        let jsonFixture = try await HTTPFixtureServer.start(jsonResponse: true)
        defer {
            fixture.kill()
            jsonFixture.kill()
        }
        for spec in [try MCPFixtures.stdioSpec("stdio"), MCPFixtures.httpSpec("http-sse", port: fixture.port),
                     MCPFixtures.httpSpec("http-json", port: jsonFixture.port),
                     MCPServerSpec(name: "time", transport: .stdio(argv: [try MCPFixtures.program("mcp-server-time")],
                                                                   workingDirectory: nil, environmentAllowList: ["PATH"], environment: [:]),
                                   startupTimeout: .seconds(20))] {
            try await MCPFixtures.with(spec) { server in
                let (tool, arguments): (String, JSONValue) = spec.name == "time" ? ("get_current_time", ["timezone": "UTC"])
                                                                                  : ("add", ["a": 1, "b": 2])
                var samples: [Double] = []
                for index in 0..<220 {
                    let started = ContinuousClock.now
                    let output = try await MCPFixtures.text(server, tool, arguments)
                    if index >= 20 { samples.append(started.duration(to: .now).inSeconds * 1000) }
                    #expect(!output.isError)
                }
                samples.sort()
                print("MCP call round trip over \(spec.name) (\(tool)): p50 \(samples[samples.count / 2]) ms, "
                      + "p90 \(samples[samples.count * 9 / 10]) ms, n=\(samples.count)")
            }
        }
    }
}
