import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Nginx in front of several responders.
///
/// conf/nginx-fastcgi.conf's commented block for several responders (docs/SCALING.md): turned
/// on as an operator would, nginx accepts it, and it sends one session's requests to one
/// responder, whether the id is in the path or in `X-Session-Id`, and spreads the rest.
@Suite struct NginxClusterConfTests {
    /// The commented multi-responder block, uncommented with its example servers, passes nginx -t.
    @Test func uncommentedBlockPassesNginxCheck() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-nginx-t")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("conf/nginx-fastcgi.conf"),
                                encoding: .utf8)
        let conf = try ResponderCluster.uncommentedClusterBlock(source)
            .replacingOccurrences(of: "fastcgi_pass agent_fcgi;", with: "fastcgi_pass agent_fcgi_cluster;")
            .replacingOccurrences(of: "@PORT@", with: String(try TestEnvironment.freePort()))
            .replacingOccurrences(of: "@SOCKET@", with: directory + "/agent.sock")
            .replacingOccurrences(of: "@WEBROOT@", with: TestEnvironment.packageRoot.appendingPathComponent("web").path)
        #expect(conf.contains("    hash $agent_session consistent;"), "the upstream block is on")
        #expect(conf.contains("\nfastcgi_next_upstream error timeout;"), "the directive is on, at http level")
        let active = conf.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        #expect(!active.contains { $0.contains("non_idempotent") }, "requests that reached a responder are never sent to another")
        try ResponderCluster.writeNginxConf(directory: directory, conf: conf)
        let check = try ManagedProcess(try ResponderCluster.nginxBinary(), ["-t", "-p", directory, "-c", "\(directory)/nginx.conf"],
                                       logPath: "\(directory)/nginx-t.log")
        #expect(check.waitForExit(timeout: 30) == 0, "\(check.log)")
        #expect(check.log.contains("syntax is ok"), "\(check.log)")
    }

    /// `hash $agent_session consistent` sends one session's requests to one responder (path or X-Session-Id); others go round robin.
    @Test func sessionsStickToOneResponder() async throws {
        let cluster = try await ResponderCluster(routing: .sessionHash)
        defer { cluster.stop() }
        let sessions = (1...8).map { "sticky-\($0)" }
        for session in sessions {
            let query = try await cluster.client.request("POST", "/agent/query",
                                                         headers: [("Content-Type", "application/json"), ("X-Session-Id", session)],
                                                         body: Data(MultiResponderTests.query("hi", session: session).serialized().utf8))
            #expect(query.status == 200, "\(query.text)")
            #expect(try await cluster.client.get("/sessions/\(session)").status == 200)
            #expect(try await cluster.client.get("/sessions/\(session)/messages").status == 200)
            #expect(try await cluster.client.get("/agent/usage/\(session)").status == 200)
        }
        for _ in 0..<9 { #expect(try await cluster.client.get("/health").status == 200) }

        // nginx logs `$request_uri [$http_x_session_id] $upstream_addr`; it writes a line once
        // the request is done, so the last ones may take a moment.
        let expected = sessions.count * 4 + 9
        _ = TestEnvironment.waitUntil(timeout: 5) { cluster.upstreamLog.split(separator: "\n").count >= expected }
        var bySession: [String: Set<String>] = [:]
        var unkeyed: Set<String> = []
        for line in cluster.upstreamLog.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 3, cluster.socketPaths.contains(where: { fields[2].hasSuffix($0) }) else { continue }
            let header = fields[1].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let fromPath = sessions.first { fields[0].contains("/\($0)") }
            if let key = fromPath ?? (header.isEmpty || header == "-" ? nil : header) {
                bySession[key, default: []].insert(fields[2])
            } else if fields[0] == "/health" {
                unkeyed.insert(fields[2])
            }
        }
        #expect(Set(bySession.keys) == Set(sessions), "\(cluster.upstreamLog)")
        for (session, upstreams) in bySession {
            #expect(upstreams.count == 1, "\(session) went to \(upstreams)")
        }
        #expect(Set(bySession.values.flatMap { $0 }).count >= 2, "sessions are spread over the responders: \(bySession)")
        #expect(unkeyed.count >= 2, "requests without a session id go round robin: \(unkeyed)")
    }
}
