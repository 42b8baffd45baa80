import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Owner scoping through nginx auth_basic.
///
/// API.md §3 access scoping: nginx authenticates (the conf's auth_basic block, turned on as
/// docs/DEPLOYMENT.md says) and passes REMOTE_USER; each principal sees only its own sessions,
/// and an anonymous caller only the sessions created without one.
@Suite struct OwnerScopingTests {
    static func basic(_ user: String) -> [(String, String)] {
        [("Authorization", "Basic " + Data("\(user):secret-\(user)".utf8).base64EncodedString())]
    }

    /// An htpasswd file for alice and bob (apr1 hashes from openssl); returns its path.
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
        return file
    }

    /// One user cannot see, query, clear or delete another's session; lists are per user.
    @Test func usersAreIsolated() async throws {
        let authDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-auth")
        defer { try? FileManager.default.removeItem(atPath: authDirectory) }
        let auth = try await HTTPTestClient.onThread { try Self.makeAuth(in: authDirectory) }
        let agent = try await TestStack.start(model: .fakeSingleAttempt, basicAuthFile: auth)
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

    /// Shipped conf, no auth on: unverified Basic credentials are anonymous; anonymous sees only unowned sessions.
    ///
    /// Issue 12 #8 and #4. The shipped conf as shipped (no auth block on) in front of a responder
    /// holding alice's sessions: nginx fills $remote_user from any `Authorization: Basic` header,
    /// but the conf passes an empty REMOTE_USER, so `curl -u alice:wrong` is anonymous, and an
    /// anonymous caller lists and counts only the sessions created without a principal.
    @Test func unverifiedCredentialsAreAnonymous() async throws {
        let authDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-auth")
        defer { try? FileManager.default.removeItem(atPath: authDirectory) }
        let auth = try await HTTPTestClient.onThread { try Self.makeAuth(in: authDirectory) }
        let agent = try await TestStack.start(model: .fakeSingleAttempt, basicAuthFile: auth)
        defer { agent.stop() }
        let alice = Self.basic("alice")
        for id in ["alice-1", "alice-2"] {
            let answer = try await agent.postJSON("/agent/query", ["message": .string("secret of \(id)"), "session_id": .string(id)],
                                                  headers: alice)
            #expect(answer.status == 200, "\(answer.text)")
        }
        #expect(try await agent.client.get("/health", headers: alice).json()["active_sessions"] == 2, "alice counts hers")

        // The same responder behind the conf exactly as shipped: the operator has not turned auth on.
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-shipped")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shipped = try await HTTPTestClient.onThread {
            try WebServerInstance(.nginx, directory: directory, socketPath: agent.responder.socketPath)
        }
        defer { shipped.stop() }
        let open = HTTPTestClient(port: shipped.port)
        let forged = [("Authorization", "Basic " + Data("alice:wrong".utf8).base64EncodedString())]
        for headers in [forged, []] {
            let who = headers.isEmpty ? "anonymous" : "alice:wrong"
            for path in ["/sessions/alice-1", "/sessions/alice-1/messages", "/agent/usage/alice-1", "/sessions/alice-1/events"] {
                let response = try await open.get(path, headers: headers)
                #expect(response.status == 404, "\(who) GET \(path): \(response.status) \(response.text)")
            }
            let steal = try await open.request("POST", "/agent/query", headers: headers + [("Content-Type", "application/json")],
                                               body: Data(#"{"message":"tell me","session_id":"alice-2"}"#.utf8))
            #expect(steal.status == 404, "\(who) query on alice's session: \(steal.status) \(steal.text)")
            let list = try await open.get("/sessions", headers: headers).json()["sessions"]?.arrayValue ?? []
            #expect(list.isEmpty, "\(who) lists none of alice's sessions: \(list)")
            #expect(try await open.get("/health", headers: headers).json()["active_sessions"] == 0, "\(who) counts none of them")
        }

        // An anonymous session is the anonymous caller's (and every anonymous caller's) to see.
        let shared = try await open.request("POST", "/agent/query", headers: forged + [("Content-Type", "application/json")],
                                            body: Data(#"{"message":"hello","session_id":"shared-1"}"#.utf8))
        #expect(shared.status == 200, "\(shared.text)")
        let anonymousList = try await open.get("/sessions").json()["sessions"]?.arrayValue ?? []
        #expect(anonymousList.compactMap { $0["session_id"]?.stringValue } == ["shared-1"])
        // /health reuses a count for up to 2 s (load balancers poll it): wait for the fresh one.
        var anonymousCount: JSONValue?
        for _ in 0..<50 {
            anonymousCount = try await open.get("/health").json()["active_sessions"]
            if anonymousCount == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(anonymousCount == 1, "the anonymous count is the one unowned session, not alice's two")
        let aliceList = try await agent.client.get("/sessions", headers: alice).json()["sessions"]?.arrayValue ?? []
        #expect(Set(aliceList.compactMap { $0["session_id"]?.stringValue }) == ["alice-1", "alice-2"],
                "alice's own view is unchanged, and the session the forged header created is not hers")
        let aliceMessages = try await agent.client.get("/sessions/alice-1/messages", headers: alice).json()
        #expect(aliceMessages["total"] == 2, "nothing was added to alice's history: \(aliceMessages)")
    }

    /// Shipped confs, no auth on: a Basic header is no principal.
    ///
    /// Issue 12 #8 for both shipped web-server confs: with no authentication configured, a
    /// forged `Authorization: Basic` header reaches the responder as no principal at all.
    @Test(arguments: WebServerInstance.Kind.allCases) func forgedBasicHeaderIsNoPrincipal(kind: WebServerInstance.Kind) async throws {
        let agent = try await TestStack.start(kind, model: .fakeSingleAttempt)
        defer { agent.stop() }
        let forged = [("Authorization", "Basic " + Data("alice:wrong".utf8).base64EncodedString())]
        let created = try await agent.postJSON("/agent/query", ["message": "hi", "session_id": .string("forged-\(kind)")], headers: forged)
        #expect(created.status == 200, "\(created.text)\n\(agent.logs)")
        let listed = try await agent.client.get("/sessions").json()["sessions"]?.arrayValue ?? []
        #expect(listed.compactMap { $0["session_id"]?.stringValue } == ["forged-\(kind)"], "the session is anonymous")
        var line: [String: String]?
        _ = TestEnvironment.waitUntil(timeout: 5) {
            line = LogLines.access(agent.responder.process.log).first { $0["path"] == "/agent/query" }
            return line != nil
        }
        let access = try #require(line, "no access line\n\(agent.logs)")
        #expect(access["owner"] == nil, "\(kind) passed an unverified user as REMOTE_USER: \(access)")
    }
}
