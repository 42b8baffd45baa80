import AgentTestSupport
import Foundation
import Testing

/// Responder spawned by lighttpd (bin-path, fd 0).
@Suite struct SpawnedResponderTests {
    /// Lighttpd bin-path starts the responder on fd 0, which serves and stops with lighttpd.
    @Test func binPathSpawn() async throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/spawned.sock"
        let lighttpd = try WebServerInstance(.lighttpd, directory: directory, socketPath: socketPath,
                                             spawnArguments: ["--workers", "4", "--drain-seconds", "2"])
        defer { lighttpd.stop() }
        let client = HTTPTestClient(port: lighttpd.port)
        let ping = try await client.get("/ping")
        #expect(ping.status == 200 && ping.text == "pong", "\(ping.status) \(ping.text)\n\(lighttpd.process.log)")
        let status = try await client.get("/status").json()
        #expect(status["workers"]?["total"]?.intValue == 4, "the spawned responder got our flags: \(status)")
        let stream = try await client.stream("/diagnostics/stream?events=3&interval_ms=50")
        #expect(stream.events.count == 3 && stream.comments.last == ": done")
        lighttpd.process.signal(SIGTERM)
        #expect(lighttpd.process.waitForExit(timeout: 10) != nil, "lighttpd and its child stop on TERM")
    }
}
