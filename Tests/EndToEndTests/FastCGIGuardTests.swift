import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Hostile FastCGI input straight to the socket.
///
/// Issue 12, findings 1 and 7: whatever is written to the responder's socket, the process lives on
/// and a bad connection ends alone; `REMOTE_USER` is taken byte for byte. Bytes go straight to the
/// unix socket (nginx would never send them); /health goes through nginx.
@Suite struct FastCGIGuardTests {
    typealias Client = FastCGITestClient

    static let begin = Client.record(type: 1, [0, 1, 0, 0, 0, 0, 0, 0])
    static let ping = Client.getParams("/ping")

    /// Each must close its connection unanswered. The first four aborted the process on main
    /// (libfcgi 2.4.2: `Malloc: Assertion … failed`).
    static let malformed: [(String, [UInt8])] = [
        ("PARAMS pair of 0x40000000 + 0x40000000 bytes",
         begin + Client.record(type: 4, Client.length(0x4000_0000) + Client.length(0x4000_0000) + Array("REQUEST_URI".utf8))
            + Client.record(type: 4, [])),
        ("PARAMS pair of 0x7ffffff0 + 0x20 bytes",
         begin + Client.record(type: 4, Client.length(0x7fff_fff0) + Client.length(0x20) + Array("x".utf8)) + Client.record(type: 4, [])),
        ("GET_VALUES management record with a 2 GiB pair",
         Client.record(type: 9, Client.length(0x7fff_fff0) + Client.length(0x20), requestId: 0)),
        ("the same management record in the middle of the body",
         begin + Client.record(type: 4, Client.pairs(ping)) + Client.record(type: 4, [])
            + Client.record(type: 9, Client.length(0x4000_0000) + Client.length(0x4000_0000), requestId: 0)
            + Client.record(type: 5, [])),
        ("a pair running past the end of PARAMS",
         begin + Client.record(type: 4, Client.length(11) + Client.length(200) + Array("REQUEST_URI/ping".utf8)) + Client.record(type: 4, [])),
        ("PARAMS over server.max_params_bytes",
         begin + Client.record(type: 4, Client.pairs([("HTTP_COOKIE", [UInt8](repeating: 0x63, count: 40_000))]))
            + Client.record(type: 4, Client.pairs([("HTTP_X", [UInt8](repeating: 0x63, count: 40_000))])) + Client.record(type: 4, [])),
        ("record version 2", [2] + Client.request(ping).dropFirst()),
        ("BEGIN_REQUEST with 9 bytes of content", Client.record(type: 1, [0, 1, 0, 0, 0, 0, 0, 0, 0]) + Client.request(ping).dropFirst(16)),
        ("a second request id on the connection (multiplexing)",
         begin + Client.record(type: 4, Client.pairs(ping), requestId: 2) + Client.record(type: 4, [])),
        ("the authorizer role", Client.record(type: 1, [0, 2, 0, 0, 0, 0, 0, 0]) + Client.request(ping).dropFirst(16)),
        ("half a request head, then the peer hangs up", Array(Client.request(ping).prefix(30))),
    ]

    /// Malformed records close only their connection, each with one log line; the process serves on.
    @Test func malformedRecords() async throws {
        let stack = try await HTTPTestClient.onThread { try TestStack(model: .none) }
        defer { stack.stop() }
        let socketPath = stack.responder.socketPath
        for (name, bytes) in Self.malformed {
            let outcome = try await HTTPTestClient.onThread {
                let client = try Client(socketPath: socketPath)
                try client.send(bytes)
                if name.contains("hangs up") { shutdown(client.descriptor, Int32(SHUT_WR)) }
                return client.readUntilClosed(timeout: 10)
            }
            #expect(outcome.closed && outcome.bytes.isEmpty, "\(name): \(outcome)\n\(stack.logs)")
        }
        let health = try await stack.client.get("/health")
        #expect(health.status == 200, "\(health.status) \(health.text)")
        // A well-formed request on the same socket is still answered.
        let pong = try await HTTPTestClient.onThread {
            let client = try Client(socketPath: socketPath)
            try client.send(Client.request(Self.ping))
            return Client.response(client.readUntilClosed(timeout: 10).bytes)
        }
        #expect(pong?.status == 200 && pong?.body == "pong")
        let status = try await stack.client.get("/status").json()
        #expect(status["rejected_connections"]?.intValue == Self.malformed.count, "\(status)")
        let log = stack.responder.process.log
        let rejected = log.split(separator: "\n").filter { $0.contains("msg=\"FastCGI connection rejected\"") }
        #expect(rejected.count == Self.malformed.count, "one line per connection:\n\(rejected.joined(separator: "\n"))")
        #expect(stack.responder.process.isRunning && !log.contains("Program crashed") && !log.contains("Assertion"))
    }

    /// 500 connections of random bytes: all rejected, never a crash or restart, /health answers.
    @Test func garbageConnections() async throws {
        let stack = try await HTTPTestClient.onThread { try TestStack(model: .none) }
        defer { stack.stop() }
        let socketPath = stack.responder.socketPath
        let seed: UInt64 = 0x12_2025
        try await HTTPTestClient.onThread {
            var random = SplitMix64(seed: seed)
            for index in 0..<500 {
                let count = Int(random.next() % 3000) + 1
                var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                // A third start like a real request, so the garbage gets past the first header.
                if index % 3 == 0 { bytes = Self.begin + Array(bytes.prefix(count - min(count, 16))) }
                let client = try Client(socketPath: socketPath)
                try? client.send(bytes)
            }
        }
        var status: JSONValue = .null
        for _ in 0..<300 {
            status = try await stack.client.get("/status").json()
            let dropped = (status["rejected_connections"]?.intValue ?? 0) + (status["read_timeouts"]?.intValue ?? 0)
            if dropped >= 500 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status["rejected_connections"]?.intValue == 500, "seed \(seed): \(status)\n\(stack.logs.suffix(3000))")
        let health = try await stack.client.get("/health")
        #expect(health.status == 200)
        let log = stack.responder.process.log
        #expect(stack.responder.process.isRunning && !log.contains("Program crashed"), "\(log.suffix(3000))")
        #expect(log.components(separatedBy: "msg=\"agent-fcgi ").count == 2, "started once, never restarted")
    }

    /// REMOTE_USER with a NUL, a control byte or invalid UTF-8 is a 400, never a truncated identity.
    @Test func remoteUserByteForByte() async throws {
        let stack = try await HTTPTestClient.onThread { try TestStack(model: .none) }
        defer { stack.stop() }
        let socketPath = stack.responder.socketPath
        func call(_ method: String, _ uri: String, user: [UInt8], body: [UInt8] = []) async throws -> (status: Int, body: String)? {
            try await HTTPTestClient.onThread {
                var params = Client.getParams(uri)
                params[0] = ("REQUEST_METHOD", Array(method.utf8))
                params += [("REMOTE_USER", user), ("CONTENT_TYPE", Array("application/json".utf8))]
                let client = try Client(socketPath: socketPath)
                try client.send(Client.request(params, body: body))
                return Client.response(client.readUntilClosed(timeout: 10).bytes)
            }
        }
        let alice = Array("alice".utf8)
        let created = try #require(try await call("POST", "/sessions", user: alice, body: Array("{}".utf8)))
        let id = try #require(try JSONValue.parse(Data(created.body.utf8))["session_id"]?.stringValue, "\(created)")
        #expect(try await call("GET", "/sessions/\(id)", user: alice)?.status == 200)
        for forged: [UInt8] in [alice + [0, 0x78], alice + [0], alice + [0x1b], alice + [0x0a], alice + [0xff], alice + [0xc2, 0x85]] {
            let answer = try #require(try await call("GET", "/sessions/\(id)", user: forged))
            #expect(answer.status == 400, "REMOTE_USER \(forged): \(answer)")
            let detail = try JSONValue.parse(Data(answer.body.utf8))["detail"]?.stringValue ?? ""
            #expect(detail.hasPrefix("REMOTE_USER "), "the API's error shape: \(answer.body)")
        }
        let other = try await call("GET", "/sessions/\(id)", user: Array("alicex".utf8))
        #expect(other?.status == 404, "someone else's session stays hidden: \(String(describing: other))")
        #expect(stack.responder.process.log.contains("status=400"))
    }
}

/// A small seeded generator, so a failing garbage run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var value = state
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
