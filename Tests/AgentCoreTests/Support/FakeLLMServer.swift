import Foundation
@testable import AgentCore

/// Runs Tests/Fixtures/fake-llm/fake_llm.py on a free loopback port for one test.
/// Use `FakeLLMServer.with { server in … }`: the process is killed however the body ends.
final class FakeLLMServer: @unchecked Sendable {
    // Process is only touched in start and stop, never concurrently.
    private let process: Process
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/fake-llm/fake_llm.py").path
    }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    static func start() async throws -> FakeLLMServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = await readFirstLine(of: output.fileHandleForReading)
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            kill(process.processIdentifier, SIGKILL)
            throw FakeServerError(message: "fake_llm.py did not print its port (got \(line.debugDescription))")
        }
        return FakeLLMServer(process: process, port: port)
    }

    static func with<T>(_ body: (FakeLLMServer) async throws -> T) async throws -> T {
        let server = try await start()
        defer { server.stop() }
        return try await body(server)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Queues scripted responses (see Tests/Fixtures/fake-llm/README.md), consumed in order.
    func script(_ responses: JSONValue...) async throws {
        _ = try await control("POST", "/_control/script", body: .array(responses))
    }

    func reset() async throws {
        _ = try await control("POST", "/_control/reset", body: [:])
    }

    /// The recorded model requests: path, headers, body, closed_early, completed.
    func requests() async throws -> [JSONValue] {
        try await control("GET", "/_control/requests", body: nil).arrayValue ?? []
    }

    /// `{"in_flight", "max_in_flight", "requests", "queued"}`.
    func stats() async throws -> JSONValue {
        try await control("GET", "/_control/stats", body: nil)
    }

    /// Polls the recorded requests until `condition` holds, up to `timeout` seconds.
    func waitForRequests(timeout: Double = 10, _ condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let recorded = try await requests()
            if condition(recorded) || ContinuousClock.now > deadline { return recorded }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func control(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let request = HTTPClientRequest(url: baseURL + path, method: method,
                                        headers: [HTTPHeader("Content-Type", "application/json")],
                                        body: body.map { Array($0.serialized().utf8) })
        let response = try await HTTPClient.shared.send(request)
        let bytes = try await response.collect(upTo: 64 << 20)
        guard response.status == 200 else {
            throw FakeServerError(message: "\(path) answered \(response.status): \(String(decoding: bytes, as: UTF8.self))")
        }
        return try JSONValue.parse(bytes)
    }

    func configuration(_ provider: ModelSettings.Provider, retry: RetryPolicy = .none, stallTimeout: Int = 30,
                       requestTimeout: Double = 60, apiKey: String = "test-key") -> ModelSettings {
        ModelSettings(provider: provider, baseURL: provider == .openai ? baseURL + "/v1" : baseURL, model: "fake-model",
                           apiKey: .literal(apiKey), requestTimeout: requestTimeout, stallTimeout: stallTimeout,
                           contextWindow: 8192, retry: retry)
    }

    func openAI(retry: RetryPolicy = .none, stallTimeout: Int = 30) throws -> any ChatModel {
        try ChatModelFactory.make(configuration(.openai, retry: retry, stallTimeout: stallTimeout))
    }

    func anthropic(retry: RetryPolicy = .none) throws -> any ChatModel {
        try ChatModelFactory.make(configuration(.anthropic, retry: retry))
    }
}

struct FakeServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Collects a stream's deltas, and the error that ended it, if any.
func collectDeltas(_ stream: AsyncThrowingStream<ChatDelta, Error>) async -> (deltas: [ChatDelta], error: Error?) {
    var deltas: [ChatDelta] = []
    do {
        for try await delta in stream { deltas.append(delta) }
        return (deltas, nil)
    } catch {
        return (deltas, error)
    }
}
