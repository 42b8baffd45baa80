import AgentCore
import AgentTestSupport
import Foundation
import Synchronization
import Testing

/// Read timeout on FastCGI connections.
///
/// Issue 12, finding 3: a peer that stalls in the middle of a request holds a worker only for
/// `server.read_timeout_seconds`, then is dropped (unanswered, counted) and the worker is free.
@Suite struct ReadTimeoutTests {
    typealias Client = FastCGITestClient

    /// Four ways to stall: say nothing, BEGIN_REQUEST only, half the params, a body that stops.
    static let stalls: [[UInt8]] = {
        let begin = Client.record(type: 1, [0, 1, 0, 0, 0, 0, 0, 0])
        let params = Client.pairs(Client.getParams("/diagnostics/stalled-body") + [("REQUEST_METHOD", Array("POST".utf8))])
        let partialParams = Array(Client.record(type: 4, params).prefix(40))
        let stalledBody = Array((begin + Client.record(type: 4, params) + Client.record(type: 4, [])
            + Client.record(type: 5, [UInt8](repeating: 0x7b, count: 100))).dropLast(60))
        return [[], begin, begin + partialParams, stalledBody]
    }()

    /// 300 stalled peers straight to the socket are dropped after the timeout while /health answers through nginx.
    @Test func stalledPeersAreDropped() async throws {
        let timeout = 1.0
        let stack = try await HTTPTestClient.onThread { try TestStack(model: .none, arguments: ["--read-timeout-seconds", "\(timeout)"]) }
        defer { stack.stop() }
        let socketPath = stack.responder.socketPath
        let opened = Atomic<Bool>(false)
        let peers = Task {
            try await HTTPTestClient.onThread { () -> [(closed: Bool, answered: Bool, seconds: Double)] in
                let started = Date()
                let clients = try (0..<300).map { index in
                    let client = try Client(socketPath: socketPath)
                    try client.send(Self.stalls[index % Self.stalls.count])
                    return client
                }
                opened.store(true, ordering: .sequentiallyConsistent)
                return clients.map { client in
                    let outcome = client.readUntilClosed(timeout: 30)
                    return (outcome.closed, !outcome.bytes.isEmpty, Date().timeIntervalSince(started))
                }
            }
        }
        while !opened.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(20)) }
        let asked = Date()
        let health = try await stack.client.request("GET", "/health", timeout: 30)
        let healthSeconds = Date().timeIntervalSince(asked)
        #expect(health.status == 200, "/health while 300 peers stall: \(health.status) \(health.text)")
        let outcomes = try await peers.value
        #expect(outcomes.allSatisfy { $0.closed && !$0.answered }, "every stalled peer is dropped, unanswered")
        let earliest = outcomes.map(\.seconds).min() ?? 0
        let latest = outcomes.map(\.seconds).max() ?? 0
        #expect(earliest >= timeout * 0.9, "none is dropped before the timeout: \(earliest) s")
        var status: JSONValue = .null
        for _ in 0..<100 {
            status = try await stack.client.get("/status").json()
            if status["read_timeouts"]?.intValue == 300 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status["read_timeouts"]?.intValue == 300 && status["workers"]?["busy"]?.intValue == 1, "\(status)")
        let metrics = try await stack.client.get("/metrics").text
        #expect(metrics.contains("agent_fcgi_read_timeouts_total 300"), "\(metrics.prefix(2000))")
        let log = stack.responder.process.log
        // A stalled body is a dropped request, never one answered with a short body.
        #expect(!log.contains("path=/diagnostics/stalled-body"), "no access line: it was never answered")
        #expect(log.contains("uri=/diagnostics/stalled-body") && log.contains("the request body"))
        print("read timeout \(timeout) s: /health answered in \(String(format: "%.2f", healthSeconds)) s; "
              + "300 stalled peers dropped between \(String(format: "%.2f", earliest)) and \(String(format: "%.2f", latest)) s")
    }
}
