import AgentCore
import Foundation

/// Tests/Fixtures/fake-llm/fake_llm.py as a child process on a free loopback port, for pointing
/// the real responder at (`OPENAI_BASE_URL`). Stopped with the test, or when it is deallocated.
final class FakeLLMProcess: Sendable {
    let process: ManagedProcess
    let port: UInt16
    let control: HTTPTestClient

    /// `--model-base-url`-style value for the responder's environment.
    var openAIBaseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(directory: String) throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/fake-llm/fake_llm.py").path
        guard let python = TestEnvironment.executable("python3") else { throw TestFailure("python3 is not installed") }
        let logPath = directory + "/fake-llm.log"
        process = try ManagedProcess(python, [script, "--port", "0"], logPath: logPath)
        // The first line it prints is the port it bound.
        var found: UInt16?
        let process = self.process
        _ = TestEnvironment.waitUntil(timeout: 15) {
            let firstLine = process.log.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            found = UInt16(firstLine.trimmingCharacters(in: .whitespaces))
            return found != nil || !process.isRunning
        }
        guard let found else {
            process.stop()
            throw TestFailure("fake_llm.py did not print its port; log:\n\(process.log)")
        }
        port = found
        control = HTTPTestClient(port: found)
    }

    deinit {
        stop()
    }

    func stop() {
        process.stop(gracePeriod: 1)
    }

    /// Queues scripted responses (Tests/Fixtures/fake-llm/README.md), consumed in order.
    func script(_ responses: [JSONValue]) async throws {
        let answer = try await control.request("POST", "/_control/script", headers: [("Content-Type", "application/json")],
                                               body: Data(JSONValue.array(responses).serialized().utf8))
        guard answer.status == 200 else { throw TestFailure("scripting the fake LLM failed: \(answer.status) \(answer.text)") }
    }

    /// Every model request so far, oldest first: path, headers, parsed body.
    func requests() async throws -> [JSONValue] {
        let answer = try await control.get("/_control/requests")
        guard answer.status == 200 else { throw TestFailure("/_control/requests answered \(answer.status)") }
        return try answer.json().arrayValue ?? []
    }

    /// The system message of the model request at `index` (negative counts from the end).
    func systemPrompt(ofRequest index: Int) async throws -> String? {
        let all = try await requests()
        let position = index < 0 ? all.count + index : index
        guard all.indices.contains(position) else { return nil }
        let messages = all[position]["body"]?["messages"]?.arrayValue ?? []
        return messages.first { $0["role"]?.stringValue == "system" }?["content"]?.stringValue
    }
}
