import AgentTestSupport
import Foundation
import Testing

/// Request body limits.
@Suite struct BodyLimitTests {
    /// A 2 MiB body gets the responder's JSON 413 and nothing breaks.
    @Test(arguments: WebServerInstance.Kind.allCases) func twoMebibytesIsRejectedByTheResponder(kind: WebServerInstance.Kind) async throws {
        let stack = try TestStack(kind, model: .none)
        defer { stack.stop() }
        let response = try await stack.client.request("POST", "/status", body: Data(repeating: 0x41, count: 2 << 20))
        #expect(response.status == 413, "\(stack.logs)")
        #expect(response.text == #"{"detail":"Request body too large"}"#)
        let health = try await stack.client.get("/health")
        #expect(health.status == 200)
        #expect(stack.responder.process.isRunning)
    }

    /// A body under the cap is read whole and routed.
    @Test func bodyUnderTheCapIsRouted() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        let response = try await stack.client.request("POST", "/health", body: Data(repeating: 0x41, count: 1000 * 1024))
        #expect(response.status == 405, "a body under 1 MiB reaches the router: \(response.status) \(response.text)")
    }

    /// A body above nginx's own limit is refused by nginx and the responder stays up.
    @Test func bodyAboveTheWebServerLimit() async throws {
        let stack = try TestStack(model: .none)
        defer { stack.stop() }
        let response = try await stack.client.request("POST", "/status", body: Data(repeating: 0x41, count: 5 << 20))
        #expect(response.status == 413)
        #expect(response.text.contains("nginx"), "nginx answers this one itself: \(response.text)")
        #expect(try await stack.client.get("/ping").text == "pong")
    }

    /// A smaller --max-body-bytes is enforced.
    @Test func configuredCap() async throws {
        let stack = try TestStack(model: .none, arguments: ["--max-body-bytes", "100"])
        defer { stack.stop() }
        let response = try await stack.client.request("POST", "/health", body: Data(repeating: 0x41, count: 101))
        #expect(response.status == 413)
        let atCap = try await stack.client.request("POST", "/health", body: Data(repeating: 0x41, count: 100))
        #expect(atCap.status == 405)
    }
}
