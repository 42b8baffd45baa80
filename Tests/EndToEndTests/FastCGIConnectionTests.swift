import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// FastCGI connections: kept connections and allowed peers.
///
/// What the responder's own accept keeps from libfcgi's: kept connections (FCGI_KEEP_CONN, which
/// libfcgi supports and the shipped confs leave off) and the FCGI_WEB_SERVER_ADDRS peer check.
@Suite struct FastCGIConnectionTests {
    typealias Client = FastCGITestClient

    /// FCGI_KEEP_CONN: each request on the connection is checked and answered; an idle one is closed quietly.
    @Test func keptConnection() async throws {
        let stack = try await HTTPTestClient.onThread { try TestStack(model: .none, arguments: ["--read-timeout-seconds", "1"]) }
        defer { stack.stop() }
        let socketPath = stack.responder.socketPath
        let outcome = try await HTTPTestClient.onThread { () -> ([Int], Bool) in
            let client = try Client(socketPath: socketPath)
            var statuses: [Int] = []
            for requestId: UInt16 in [1, 2, 3] {
                try client.send(Client.request(Client.getParams("/ping"), requestId: requestId, keepConnection: true))
                statuses.append(Client.response(try client.readResponse(timeout: 10))?.status ?? 0)
            }
            // The next request on the kept connection is checked like a first one.
            try client.send(Client.record(type: 9, Client.length(0x7fff_fff0) + Client.length(0x20), requestId: 0))
            let rejected = client.readUntilClosed(timeout: 10)
            return (statuses, rejected.closed && rejected.bytes.isEmpty)
        }
        #expect(outcome.0 == [200, 200, 200], "three requests answered on one connection")
        #expect(outcome.1, "a bad record on a kept connection closes it")
        let idle = try await HTTPTestClient.onThread { () -> (Bool, Bool) in
            let client = try Client(socketPath: socketPath)
            try client.send(Client.request(Client.getParams("/ping"), keepConnection: true))
            let answered = Client.response(try client.readResponse(timeout: 10))?.status == 200
            let closed = client.readUntilClosed(timeout: 10)
            return (answered, closed.closed && closed.bytes.isEmpty)
        }
        #expect(idle.0 && idle.1, "an idle kept connection is closed after the read timeout")
        let status = try await stack.client.get("/status").json()
        #expect(status["rejected_connections"]?.intValue == 1 && status["read_timeouts"]?.intValue == 0,
                "an idle kept connection is no error: \(status)")
    }

    /// A TCP peer outside FCGI_WEB_SERVER_ADDRS is closed unanswered, as libfcgi did; a listed one is served.
    @Test func webServerAddresses() async throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try TestEnvironment.freePort()
        let process = try ManagedProcess(TestEnvironment.responderBinary,
                                         ["--listen", "127.0.0.1:\(port)", "--storage-path", directory + "/agent.sqlite"],
                                         environment: ["FCGI_WEB_SERVER_ADDRS": "127.0.0.2, 127.0.0.3"],
                                         logPath: directory + "/responder.log")
        defer { process.stop() }
        #expect(TestEnvironment.waitUntil(timeout: 15) { TestEnvironment.isListening(port: port, pid: process.pid) }, "\(process.log)")
        let outcome = try await HTTPTestClient.onThread { () -> (refused: Bool, served: Int?) in
            let stranger = try Client(tcpPort: port)
            try? stranger.send(Client.request(Client.getParams("/ping")))
            let refused = stranger.readUntilClosed(timeout: 10)
            let listed = try Client(tcpPort: port, from: "127.0.0.3")
            try listed.send(Client.request(Client.getParams("/ping")))
            return (refused.closed && refused.bytes.isEmpty, Client.response(listed.readUntilClosed(timeout: 10).bytes)?.status)
        }
        #expect(outcome.refused, "127.0.0.1 is not listed")
        #expect(outcome.served == 200, "127.0.0.3 is listed")
        #expect(process.log.contains("peer not in FCGI_WEB_SERVER_ADDRS") && process.log.contains("peer=127.0.0.1"), "\(process.log)")
    }
}
