import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct HTTPClientTests {
    @Test func getsStatusHeadersAndBody() async throws {
        try await FakeLLM.with { server in
            let response = try await HTTPClient.shared.send(HTTPClientRequest(url: server.baseURL + "/health"))
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            #expect(try JSONValue.parse(try await response.collect(upTo: 1024)) == ["ok": true])
        }
    }

    @Test func sequentialRequestsReuseTheConnection() async throws {
        try await FakeLLM.with { server in
            let client = HTTPClient.shared
            for _ in 0..<3 {
                let request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions", method: "POST",
                                                body: Array(#"{"messages":[{"role":"user","content":"hi"}]}"#.utf8))
                _ = try await client.send(request).collect(upTo: 1 << 20)
            }
            let ports = try await server.requests().compactMap { $0["client_port"]?.intValue }
            #expect(ports.count == 3)
            #expect(Set(ports).count == 1, "one kept-alive connection served all requests: \(ports)")
        }
    }

    @Test func overallDeadlineEndsASlowStream() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": .string((1...100).map { "t\($0)" }.joined(separator: " ")), "token_delay_ms": 100])
            let request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions", method: "POST", body: Array("{}".utf8),
                                            timeouts: HTTPTimeouts(total: 1))
            await #expect {
                _ = try await HTTPClient.shared.send(request).collect(upTo: 1 << 20)
            } throws: { ($0 as? HTTPClientError)?.kind == .timeout }
        }
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        let port = try unusedLoopbackPort()
        await #expect {
            _ = try await HTTPClient.shared.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/x"))
        } throws: { error in
            (error as? HTTPClientError)?.kind == .connect && (error as? HTTPClientError)?.host == "127.0.0.1"
        }
    }

    @Test func collectEnforcesItsCap() async throws {
        try await FakeLLM.with { server in
            try await server.script(["raw": [.string(String(repeating: "x", count: 5000))]])
            let request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions", method: "POST", body: Array("{}".utf8))
            let response = try await HTTPClient.shared.send(request)
            await #expect { _ = try await response.collect(upTo: 1000) } throws: {
                ($0 as? HTTPClientError)?.kind == .bodyTooLarge
            }
        }
    }

    @Test func slowConsumerPausesTheTransfer() async throws {
        try await FakeLLM.with { server in
            let piece = String(repeating: "y", count: 256 * 1024)
            let total = 128 * piece.utf8.count
            try await server.script(["raw": .array(Array(repeating: .string(piece), count: 128))])
            let request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions", method: "POST", body: Array("{}".utf8))
            let response = try await HTTPClient.shared.send(request)
            var iterator = response.body.makeAsyncIterator()
            var received = try await iterator.next()?.count ?? 0
            try await Task.sleep(for: .seconds(1))
            let midway = try #require(try await server.requests().first)
            #expect(midway["completed"] == false, "32 MiB cannot all be buffered while nobody reads: the transfer is paused")
            while let chunk = try await iterator.next() { received += chunk.count }
            #expect(received == total)
            let done = try await server.waitForRequests { $0.first?["completed"] == true }
            #expect(done.first?["completed"] == true)
        }
    }

    @Test func pausedTransferIsNotAStall() async throws {
        try await FakeLLM.with { server in
            let piece = String(repeating: "z", count: 256 * 1024)
            try await server.script(["raw": .array(Array(repeating: .string(piece), count: 64))])
            let request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions", method: "POST", body: Array("{}".utf8),
                                            timeouts: HTTPTimeouts(stallSeconds: 1))
            let response = try await HTTPClient.shared.send(request)
            var iterator = response.body.makeAsyncIterator()
            var received = try await iterator.next()?.count ?? 0
            try await Task.sleep(for: .milliseconds(2500))
            while let chunk = try await iterator.next() { received += chunk.count }
            #expect(received == 64 * piece.utf8.count, "a consumer slower than the stall limit is back-pressure, not a stall")
        }
    }

    @Test func cancellingTheConsumerClosesTheUpstreamConnection() async throws {
        try await FakeLLM.with { server in
            let words = (1...200).map { "w\($0)" }.joined(separator: " ")
            try await server.script(["text": .string(words), "token_delay_ms": 50])
            let model = try server.openAI()
            let firstTokens = AsyncStream<Void>.makeStream()
            let consumer = Task {
                var count = 0
                for try await delta in model.stream(ChatRequest(messages: [.user("go")])) {
                    if case .text = delta {
                        count += 1
                        if count == 3 { firstTokens.continuation.yield() }
                    }
                }
                return count
            }
            for await _ in firstTokens.stream { break }
            consumer.cancel()
            let result = await consumer.result
            // A cancelled AsyncThrowingStream just ends; what matters is that it ended early.
            if case .success(let count) = result { #expect(count < 200, "cancelled stream stopped early") }
            let recorded = try await server.waitForRequests(timeout: 5) { $0.first?["closed_early"] == true }
            #expect(recorded.first?["closed_early"] == true, "the fake saw the connection close")
            #expect(recorded.first?["completed"] == false)
        }
    }

    @Test func cancellingBeforeTheResponseHeadAbortsTheRequest() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "late", "delay_ms": 10000])
            let request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions", method: "POST", body: Array("{}".utf8))
            let waiting = Task { try await HTTPClient.shared.send(request).status }
            _ = try await server.waitForRequests { !$0.isEmpty }
            waiting.cancel()
            await #expect { _ = try await waiting.value } throws: { ($0 as? HTTPClientError)?.kind == .cancelled }
            let recorded = try await server.waitForRequests { $0.first?["closed_early"] == true }
            #expect(recorded.first?["closed_early"] == true, "the fake saw the connection close while it delayed")
        }
    }

    @Test func fiveHundredConcurrentStreamsShareTheCurlThread() async throws {
        try await CurlLoopTurns.exclusively { try await FakeLLM.with { server in
            let model = try server.openAI()
            let count = Int(ProcessInfo.processInfo.environment["LLM_LOAD_STREAMS"] ?? "") ?? 500
            // Slow tokens keep every stream open long enough for all of them to overlap.
            let slow: JSONValue = ["echo": true, "token_delay_ms": 100]
            _ = try await server.call("POST", "/_control/script", body: .array(Array(repeating: slow, count: count)))
            let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let completion = try await model.complete(ChatRequest(messages: [.user("request \(index) please")]))
                        return completion.text == "echo: request \(index) please" && completion.finishReason == .stop
                            && completion.usage != nil
                    }
                }
                var bad = 0
                for try await ok in group where !ok { bad += 1 }
                return bad
            }
            #expect(mismatches == 0)
            let stats = try await server.stats()
            #expect(stats["requests"]?.intValue == count)
            #expect((stats["max_in_flight"]?.intValue ?? 0) >= count / 4, "streams overlapped: \(stats)")
        } }
    }
}

/// A loopback port nobody listens on: bound to learn it, then closed.
func unusedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
