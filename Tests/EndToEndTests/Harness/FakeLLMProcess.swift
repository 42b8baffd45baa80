import AgentCore
import Foundation

/// Tests/Fixtures/fake-llm/fake_llm.py as a child process on a free loopback port, scripted over
/// its `/_control` endpoints (see the README there). Killed with its process group on `stop()`.
final class FakeLLMProcess: Sendable {
    let process: ManagedProcess
    let port: UInt16
    private let control: HTTPTestClient

    /// The base URL the responder gets as `OPENAI_BASE_URL`.
    var openAIBaseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(directory: String) throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/fake-llm/fake_llm.py").path
        guard let python = TestEnvironment.executable("python3") else { throw TestFailure("python3 is not installed") }
        let logPath = directory + "/fake-llm.log"
        process = try ManagedProcess(python, ["-u", script], logPath: logPath)
        let process = self.process
        var port: UInt16?
        // The first stdout line is the port.
        _ = TestEnvironment.waitUntil(timeout: 15) {
            let firstLine = process.log.split(separator: "\n", omittingEmptySubsequences: false).first
            if let line = firstLine, process.log.contains("\n") { port = UInt16(line.trimmingCharacters(in: .whitespaces)) }
            return port != nil || !process.isRunning
        }
        guard let port else {
            process.stop()
            throw TestFailure("fake_llm.py did not print its port; log:\n\(process.log)")
        }
        self.port = port
        control = HTTPTestClient(port: port)
    }

    func stop() {
        process.stop(gracePeriod: 1)
    }

    /// Appends scripted responses, consumed one per model request.
    func script(_ responses: JSONValue...) async throws {
        try await script(responses)
    }

    func script(_ responses: [JSONValue]) async throws {
        let response = try await control.request("POST", "/_control/script", body: Data(JSONValue.array(responses).serialized().utf8))
        guard response.status == 200 else { throw TestFailure("scripting the fake LLM failed: \(response.status) \(response.text)") }
    }

    /// Every model request so far: `path`, `headers`, `body`, `completed`, `closed_early`, …
    func requests() async throws -> [JSONValue] {
        let response = try await control.get("/_control/requests")
        guard let requests = try response.json().arrayValue else { throw TestFailure("bad /_control/requests: \(response.text)") }
        return requests
    }

    /// Polls the recorded requests until `condition` holds or `timeout` seconds pass; returns the last seen.
    func waitForRequests(timeout: Double, _ condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let requests = try await requests()
            if condition(requests) || Date() > deadline { return requests }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
