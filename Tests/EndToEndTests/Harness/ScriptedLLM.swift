import AgentCore
import Foundation

/// Tests/Fixtures/fake-llm/fake_llm.py as a child process on a free loopback port, scripted and
/// inspected through its control endpoints. It dies with the test: `stop()`, deinit, or its own
/// parent watch when the test process goes.
final class ScriptedLLM: Sendable {
    let process: ManagedProcess
    let port: UInt16
    private let control: HTTPTestClient

    /// The base URL the responder uses (`OPENAI_BASE_URL`).
    var openAIBaseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// - Parameter directory: where its log goes (its first stdout line is the port).
    init(directory: String) throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/fake-llm/fake_llm.py").path
        guard let python = TestEnvironment.executable("python3") else { throw TestFailure("python3 not found") }
        let logPath = directory + "/fake-llm.log"
        process = try ManagedProcess(python, ["-u", script, "--port", "0"], logPath: logPath)
        var port: UInt16?
        let process = self.process
        _ = TestEnvironment.waitUntil(timeout: 15) {
            let firstLine = process.log.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            port = UInt16(firstLine.trimmingCharacters(in: .whitespaces))
            return port != nil || !process.isRunning
        }
        guard let port else {
            process.stop(gracePeriod: 1)
            throw TestFailure("fake_llm.py did not print its port; log:\n\(process.log)")
        }
        self.port = port
        control = HTTPTestClient(port: port)
    }

    deinit {
        stop()
    }

    func stop() {
        process.stop(gracePeriod: 1)
    }

    /// Appends responses to the script (Tests/Fixtures/fake-llm/README.md), consumed in order.
    func script(_ responses: [JSONValue]) async throws {
        _ = try await call("POST", "/_control/script", body: .array(responses))
    }

    /// Every model request so far, in order.
    func requests() async throws -> [JSONValue] {
        try await call("GET", "/_control/requests", body: nil).arrayValue ?? []
    }

    /// Polls the recorded requests until there are at least `count`, up to `timeout` seconds.
    func waitForRequests(_ count: Int, timeout: Double = 20) async throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let recorded = try await requests()
            if recorded.count >= count { return recorded }
            guard Date() < deadline else { throw TestFailure("fake LLM saw \(recorded.count) requests, waited for \(count)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func call(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let response = try await control.request(method, path, headers: [("Content-Type", "application/json")],
                                                 body: body.map { Data($0.serialized().utf8) }, timeout: 10)
        guard response.status == 200 else {
            throw TestFailure("fake LLM \(method) \(path) answered \(response.status): \(response.text)")
        }
        return try response.json()
    }
}
