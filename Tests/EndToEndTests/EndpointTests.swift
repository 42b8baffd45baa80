import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Endpoints through a real web server.
@Suite struct EndpointTests {
    /// Health, ping and status answer through the web server.
    @Test(arguments: WebServerInstance.Kind.allCases) func healthPingStatus(kind: WebServerInstance.Kind) async throws {
        let stack = try TestStack(kind, model: .none)
        defer { stack.stop() }
        let health = try await stack.client.get("/health")
        #expect(health.status == 200, "\(stack.logs)")
        #expect(health.headers["content-type"] == "application/json")
        #expect(try health.json() == ["status": "healthy", "version": .string(AgentCoreInfo.version), "active_sessions": 0])

        let ping = try await stack.client.get("/ping")
        #expect(ping.status == 200)
        #expect(ping.text == "pong")
        #expect(ping.headers["content-type"]?.hasPrefix("text/plain") == true)

        let first = try await stack.client.get("/status").json()
        _ = try await stack.client.get("/ping")
        let second = try await stack.client.get("/status").json()
        let servedBefore = try #require(first["requests_served"]?.intValue)
        let servedAfter = try #require(second["requests_served"]?.intValue)
        #expect(servedAfter == servedBefore + 2, "requests_served went \(servedBefore) → \(servedAfter) over one /ping and one /status")
        #expect(second["workers"]?["total"]?.intValue == 256)
        #expect(second["workers"]?["busy"]?.intValue == 1, "only the /status request itself is running: \(second)")
        for key in ["version", "uptime_seconds", "times_all_busy", "in_flight", "active_streams", "client_aborts",
                    "write_timeouts", "slow_requests"] {
            #expect(second[key] != nil, "/status lacks \(key): \(second)")
        }
    }

    /// Unknown path is 404 and a wrong method is 405 with Allow, in FastAPI's shapes.
    @Test func notFoundAndMethodNotAllowed() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        let missing = try await stack.client.get("/no/such/route")
        #expect(missing.status == 404)
        #expect(missing.text == #"{"detail":"Not Found"}"#)

        let wrongMethod = try await stack.client.request("POST", "/health", body: Data("{}".utf8))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.text == #"{"detail":"Method Not Allowed"}"#)
        #expect(wrongMethod.headers["allow"] == "GET, HEAD")
    }

    /// Bad diagnostics parameters are 422 with pydantic's wording.
    @Test func diagnosticsValidation() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        let notANumber = try await stack.client.get("/diagnostics/stream?events=abc")
        #expect(notANumber.status == 422)
        #expect(notANumber.text == #"{"detail":[{"type":"int_parsing","loc":["query","events"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#)
        let tooMany = try await stack.client.get("/diagnostics/stream?events=5&interval_ms=999999")
        #expect(tooMany.status == 422)
        #expect(try tooMany.json()["detail"]?.arrayValue?.first?["type"] == "less_than_equal")
    }

    /// The static page is served at / and the API under a base path is routed.
    @Test func staticPageAndBasePath() async throws {
        let stack = try TestStack(model: .none, arguments: ["--base-path", "/agent-api/"])
        defer { stack.stop() }
        let page = try await stack.client.get("/")
        #expect(page.status == 200)
        #expect(page.text.contains("<title>agent-fcgi chat</title>"))
        let prefixed = try await stack.client.get("/agent-api/ping")
        #expect(prefixed.status == 200 && prefixed.text == "pong", "\(prefixed.status) \(prefixed.text)")
    }
}
