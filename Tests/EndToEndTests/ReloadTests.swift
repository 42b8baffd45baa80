import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// SIGHUP reloads the configuration file.
@Suite struct ReloadTests {
    static func config(prompt: String, level: String = "info", workers: Int = 256, extra: String = "") -> String {
        """
        server:
          workers: \(workers)
        model:
          base_url: "@LLM@"
        agent:
          system_prompt: "\(prompt)"
        logging:
          level: \(level)
        \(extra)
        """
    }

    func query(_ stack: TestStack, session: String) async throws {
        let answer = try await stack.post("/agent/query", #"{"message": "hello", "session_id": "\#(session)"}"#)
        #expect(answer.status == 200, "\(answer.text)\n\(stack.logs)")
    }

    /// A changed system prompt reaches the model on the next query; restart-only keys are reported.
    @Test func promptChangeAppliesToNextQuery() async throws {
        let stack = try TestStack(config: Self.config(prompt: "You are prompt A."))
        defer { stack.stop() }
        try await query(stack, session: "reload-1")
        #expect(try await stack.llm.systemPrompt(ofRequest: -1) == "You are prompt A.")

        try stack.writeConfig(Self.config(prompt: "You are prompt B.", workers: 64))
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        try await query(stack, session: "reload-1")
        #expect(try await stack.llm.systemPrompt(ofRequest: -1) == "You are prompt B.")

        let restart = LogLines.parse(stack.responder.process.log).filter { $0["msg"] == "configuration key changed but needs a restart to apply" }
        #expect(restart.map { $0["key"] } == ["server.*"], "\(stack.responder.process.log)")
        // The worker count did not change under the running server.
        #expect(try await stack.client.get("/status").json()["workers"]?["total"]?.intValue == 256)
    }

    /// A broken file is rejected with the reason in the log, and the old configuration keeps serving.
    @Test func brokenFileKeepsOldConfig() async throws {
        let stack = try TestStack(config: Self.config(prompt: "You are the kept prompt."))
        defer { stack.stop() }
        try stack.writeConfig(Self.config(prompt: "You are never loaded.", level: "loudest"))
        #expect(stack.reload(expecting: "configuration reload rejected"), "\(stack.logs)")
        let rejected = try #require(LogLines.parse(stack.responder.process.log).first { $0["msg"]?.hasPrefix("configuration reload rejected") == true })
        #expect(rejected["level"] == "error")
        #expect(rejected["reason"]?.contains("logging.level") == true, "the log should name the bad key: \(rejected)")

        try stack.writeConfig("agent: [this is: not: valid yaml")
        #expect(stack.reload(expecting: "configuration reload rejected"), "\(stack.logs)")

        try await query(stack, session: "kept-1")
        #expect(try await stack.llm.systemPrompt(ofRequest: -1) == "You are the kept prompt.")
        #expect(stack.responder.process.isRunning)
        #expect(stack.occurrences(of: "configuration reloaded") == 0)
    }

    /// A new logging.level applies to the next log line without a restart.
    @Test func logLevelChangesLive() async throws {
        let stack = try TestStack(config: Self.config(prompt: "p"))
        defer { stack.stop() }
        func accessLines() -> Int { LogLines.access(stack.responder.process.log).count }
        _ = try await stack.client.get("/ping")
        #expect(TestEnvironment.waitUntil(timeout: 5) { accessLines() == 1 }, "\(stack.logs)")

        // notice: access lines (info) stop; the reload's own notice line still shows.
        try stack.writeConfig(Self.config(prompt: "p", level: "notice"))
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        for _ in 0..<3 { _ = try await stack.client.get("/ping") }
        try await Task.sleep(for: .milliseconds(300))
        #expect(accessLines() == 1, "info lines were written at level notice:\n\(stack.responder.process.log)")

        try stack.writeConfig(Self.config(prompt: "p", level: "debug"))
        #expect(stack.reload(expecting: "configuration reloaded"), "\(stack.logs)")
        _ = try await stack.client.get("/ping")
        #expect(TestEnvironment.waitUntil(timeout: 5) { accessLines() == 2 }, "\(stack.responder.process.log)")
    }
}
