import AgentCore
import Foundation
import Testing

/// API.md §3 access scoping: nginx authenticates (auth_basic) and passes REMOTE_USER; each
/// principal sees only its own sessions.
@Suite("Owner scoping through nginx auth_basic")
struct OwnerScopingTests {
    static func basic(_ user: String) -> [(String, String)] {
        [("Authorization", "Basic " + Data("\(user):secret-\(user)".utf8).base64EncodedString())]
    }

    /// An htpasswd file for alice and bob (apr1 hashes from openssl) and the nginx directives using it.
    static func makeAuth(in directory: String) throws -> String {
        var lines: [String] = []
        for user in ["alice", "bob"] {
            let output = directory + "/\(user).hash"
            let openssl = try #require(TestEnvironment.executable("openssl"))
            let process = try ManagedProcess(openssl, ["passwd", "-apr1", "secret-\(user)"], logPath: output)
            guard process.waitForExit(timeout: 10) == 0 else { throw TestFailure("openssl passwd failed: \(process.log)") }
            lines.append("\(user):\(process.log.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let file = directory + "/htpasswd"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        // One line: the placeholder also appears in a comment of the template.
        return "auth_basic \"agent\"; auth_basic_user_file \(file);"
    }

    @Test("one user cannot see, query, clear or delete another's session; lists are per user")
    func usersAreIsolated() async throws {
        let authDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-auth")
        defer { try? FileManager.default.removeItem(atPath: authDirectory) }
        let auth = try await HTTPTestClient.onThread { try Self.makeAuth(in: authDirectory) }
        let agent = try await AgentStack.start(nginxHTTPExtra: auth)
        defer { agent.stop() }
        let alice = Self.basic("alice"), bob = Self.basic("bob")

        #expect(try await agent.client.get("/sessions").status == 401, "nginx demands credentials")
        let created = try await agent.postJSON("/sessions", [:], headers: alice)
        #expect(created.status == 200, "\(created.text)\n\(agent.logs)")
        let id = try #require(try created.json()["session_id"]?.stringValue)
        #expect(try await agent.postJSON("/agent/query", ["message": "mine", "session_id": .string(id)], headers: alice).status == 200)
        _ = try await agent.postJSON("/agent/query", ["message": "chosen", "session_id": "alice-chosen"], headers: alice)

        let notFound = #"{"detail":"Session \#(id) not found"}"#
        for (method, path) in [("GET", "/sessions/\(id)"), ("GET", "/agent/usage/\(id)"), ("GET", "/sessions/\(id)/messages"),
                               ("GET", "/sessions/\(id)/events"), ("POST", "/sessions/\(id)/clear"),
                               ("POST", "/sessions/\(id)/cancel"), ("DELETE", "/sessions/\(id)")] {
            let response = try await agent.client.request(method, path, headers: bob)
            #expect(response.status == 404 && response.text == notFound, "bob \(method) \(path): \(response.status) \(response.text)")
        }
        for path in ["/agent/query", "/agent/query-stream", "/agent/query-stream-delta"] {
            let response = try await agent.postJSON(path, ["message": "steal", "session_id": .string(id)], headers: bob)
            #expect(response.status == 404 && response.text == notFound, "bob \(path): \(response.status) \(response.text)")
        }
        let bobsOwn = try await agent.postJSON("/agent/query", ["message": "bob's"], headers: bob).json()
        let bobsId = try #require(bobsOwn["session_id"]?.stringValue)

        let aliceList = try await agent.client.get("/sessions", headers: alice).json()["sessions"]?.arrayValue ?? []
        #expect(Set(aliceList.compactMap { $0["session_id"]?.stringValue }) == [id, "alice-chosen"])
        let bobList = try await agent.client.get("/sessions", headers: bob).json()["sessions"]?.arrayValue ?? []
        #expect(bobList.compactMap { $0["session_id"]?.stringValue } == [bobsId])

        let aliceView = try await agent.client.get("/sessions/\(id)", headers: alice).json()
        #expect(aliceView["message_count"] == 2, "bob's attempts changed nothing: \(aliceView)")
        #expect(try await agent.llm.requests().allSatisfy { request in
            request["body"]?["messages"]?.arrayValue?.contains { $0["content"] == "steal" } != true
        }, "bob's message never reached the model")
        #expect(try await agent.client.request("DELETE", "/sessions/\(id)", headers: alice).status == 200)
    }
}
