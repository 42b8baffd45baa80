import Foundation

/// The fake LLM plus a responder behind a real web server that talks to it, each in its own
/// temp directory. The responder gets `OPENAI_BASE_URL` pointing at the fake; a `--config` file
/// written with `writeConfig` lives in `directory` and can be rewritten for reload tests.
final class FakeLLMStack: Sendable {
    let directory: String
    let llm: FakeLLMProcess
    let stack: TestStack

    var client: HTTPTestClient { stack.client }
    var responder: ManagedProcess { stack.responder.process }
    var configPath: String { directory + "/agent-fcgi.yaml" }

    /// - Parameters:
    ///   - config: YAML for `--config` (nil: no file); `@LLM@` is replaced by the fake's base URL,
    ///     `@DIR@` by this stack's directory.
    ///   - makeBasicAuthFile: writes an htpasswd file into this stack's directory and returns its
    ///     path: nginx then runs with the conf's basic-auth block on.
    init(config: String? = nil, arguments: [String] = [], environment: [String: String] = [:],
         makeBasicAuthFile: ((String) throws -> String)? = nil) throws {
        directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-ops")
        do {
            llm = try FakeLLMProcess()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            var arguments = arguments
            if let config {
                try Self.write(config, llm: llm, directory: directory, to: directory + "/agent-fcgi.yaml")
                arguments = ["--config", directory + "/agent-fcgi.yaml"] + arguments
            }
            let environment = ["OPENAI_BASE_URL": llm.openAIBaseURL].merging(environment) { $1 }
            stack = try TestStack(responderArguments: arguments, responderEnvironment: environment,
                                  basicAuthFile: try makeBasicAuthFile?(directory))
        } catch {
            llm.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit {
        stop()
    }

    func stop() {
        stack.stop()
        llm.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Replaces the config file (atomically, as an editor or deploy tool would).
    func writeConfig(_ yaml: String) throws {
        try Self.write(yaml, llm: llm, directory: directory, to: configPath)
    }

    private static func write(_ yaml: String, llm: FakeLLMProcess, directory: String, to path: String) throws {
        try yaml.replacingOccurrences(of: "@LLM@", with: llm.openAIBaseURL).replacingOccurrences(of: "@DIR@", with: directory)
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Sends SIGHUP and waits until the log has one more line containing `marker` than before.
    @discardableResult
    func reload(expecting marker: String, timeout: Double = 10) -> Bool {
        let before = occurrences(of: marker)
        responder.signal(SIGHUP)
        return TestEnvironment.waitUntil(timeout: timeout) { occurrences(of: marker) > before }
    }

    func occurrences(of text: String) -> Int {
        responder.log.components(separatedBy: text).count - 1
    }

    /// `POST path` with a JSON body.
    func post(_ path: String, _ json: String, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await client.request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: Data(json.utf8))
    }

    var logs: String { stack.logs + "\n--- fake llm ---\n" + llm.process.log }
}
