import AgentCore
import Foundation

/// Tests/Fixtures/fake-llm/fake_llm.py as a child process, for pointing the real responder at
/// a scripted model (`OPENAI_BASE_URL` = `openAIBaseURL`). Stopped by `stop()` or deinit.
final class FakeLLMProcess: Sendable {
    let directory: String
    let process: ManagedProcess
    let port: UInt16

    static let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/fake-llm/fake_llm.py").path

    init() throws {
        guard let python = TestEnvironment.executable("python3") else { throw TestFailure("python3 is not installed") }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "fake-llm")
        self.directory = directory
        let logPath = directory + "/fake_llm.log"
        do {
            process = try ManagedProcess(python, [Self.script, "--port", "0"], logPath: logPath)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        // Its first output line is the port it bound.
        var found: UInt16?
        let process = self.process
        _ = TestEnvironment.waitUntil(timeout: 15) {
            let log = process.log
            if let newline = log.firstIndex(of: "\n") { found = UInt16(log[..<newline].trimmingCharacters(in: .whitespaces)) }
            return found != nil || !process.isRunning
        }
        guard let found else {
            process.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw TestFailure("fake_llm.py did not print its port; log:\n\(process.log)")
        }
        port = found
    }

    deinit {
        stop()
    }

    func stop() {
        process.stop(gracePeriod: 1)
        try? FileManager.default.removeItem(atPath: directory)
    }

    var openAIBaseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Queues responses (see Tests/Fixtures/fake-llm/README.md), one per model request.
    func script(_ responses: JSONValue...) async throws {
        try await script(responses)
    }

    func script(_ responses: [JSONValue]) async throws {
        _ = try await control("POST", "/_control/script", body: .array(responses))
    }

    /// Every model request so far, with `closed_early` when the client hung up mid-answer.
    func requests() async throws -> [JSONValue] {
        try await control("GET", "/_control/requests", body: nil).arrayValue ?? []
    }

    /// Polls the recorded requests until `condition` holds or `timeout` seconds pass.
    func waitForRequests(timeout: Double = 10, _ condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            let recorded = try await requests()
            if condition(recorded) || ContinuousClock.now > deadline { return recorded }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The system message of the model request at `index` (negative counts from the end).
    func systemPrompt(ofRequest index: Int) async throws -> String? {
        let all = try await requests()
        let position = index < 0 ? all.count + index : index
        guard all.indices.contains(position) else { return nil }
        let messages = all[position]["body"]?["messages"]?.arrayValue ?? []
        return messages.first { $0["role"]?.stringValue == "system" }?["content"]?.stringValue
    }

    private func control(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)", method: method,
                                        headers: [HTTPHeader("Content-Type", "application/json")],
                                        body: body.map { Array($0.serialized().utf8) })
        let response = try await HTTPClient.shared.send(request)
        let bytes = try await response.collect(upTo: 64 << 20)
        guard response.status == 200 else {
            throw TestFailure("fake LLM \(path) answered \(response.status): \(String(decoding: bytes, as: UTF8.self))")
        }
        return try JSONValue.parse(bytes)
    }
}
