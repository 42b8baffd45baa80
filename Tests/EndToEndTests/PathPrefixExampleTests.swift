import AgentTestSupport
import Foundation
import Testing

/// The guide's path-prefix example, run in nginx.
@Suite struct PathPrefixExampleTests {
    /// The prefix locations route /agent-api/… to a responder started with --base-path, streams unbuffered.
    @Test func prefixExampleServes() async throws {
        let guide = try DeploymentKitTests.read(DeploymentKitTests.guidePath)
        let block = try DeploymentKitTests.quotedBlock(of: "prefix example", in: guide)
        guard let nginx = TestEnvironment.executable("nginx") else { throw TestFailure("nginx is not installed") }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-prefix")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let responder = try ResponderProcess(directory: directory, arguments: ["--base-path", "/agent-api"])
        defer { responder.stop() }
        let port = try TestEnvironment.freePort()
        try FileManager.default.copyItem(atPath: "/etc/nginx/fastcgi_params", toPath: "\(directory)/fastcgi_params")
        let locations = block.replacingOccurrences(of: "/run/agent-fcgi/agent-fcgi.sock", with: responder.socketPath)
        let config = """
            \(getuid() == 0 ? "user root;" : "")
            daemon off; worker_processes 1; pid \(directory)/nginx.pid; error_log stderr notice;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory)/client_body; fastcgi_temp_path \(directory)/fastcgi_temp;
                proxy_temp_path \(directory)/proxy_temp; scgi_temp_path \(directory)/scgi_temp; uwsgi_temp_path \(directory)/uwsgi_temp;
                server {
                    listen 127.0.0.1:\(port);
            \(locations)
                }
            }
            """
        try config.write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let server = try ManagedProcess(nginx, ["-p", directory, "-c", "\(directory)/nginx.conf"], logPath: "\(directory)/nginx.log")
        defer {
            server.signal(SIGQUIT)
            server.stop(gracePeriod: 5)
        }
        guard TestEnvironment.waitUntil(timeout: 15, { TestEnvironment.isListening(port: port, pid: server.pid) || !server.isRunning }), server.isRunning else {
            throw TestFailure("nginx did not start with the guide's prefix example:\n\(server.log)")
        }
        let client = HTTPTestClient(port: port)
        let ping = try await client.get("/agent-api/ping")
        #expect(ping.status == 200 && ping.text == "pong", "\(ping.status) \(ping.text)\n\(server.log)\n\(responder.process.log)")
        let missing = try await client.get("/agent-api/no-such-route")
        #expect(missing.text == #"{"detail":"Not Found"}"#, "the responder, not nginx, answers unknown API paths")
        #expect(try await client.get("/ping").status == 404, "outside the prefix nothing reaches the responder")
        let stream = try await client.stream("/agent-api/diagnostics/stream?events=3&interval_ms=300")
        #expect(stream.events.count == 3 && stream.comments.last == ": done")
        let arrivals = stream.events.map(\.arrivedAt)
        #expect((arrivals.last ?? 0) - (arrivals.first ?? 0) >= 0.4, "events arrived together, so something buffered: \(arrivals)")
    }
}
