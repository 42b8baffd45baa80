import AgentCore
import AgentTestSupport
import Foundation
import Testing
@testable import AgentFCGI

/// Configuration file, environment and flags.
@Suite struct ConfigurationLoaderTests {
    static let packageRoot = TestEnvironment.packageRoot

    func write(_ yaml: String) throws -> String {
        let path = NSTemporaryDirectory() + "agent-fcgi-config-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ yaml: String?, flags: [String: String] = [:], environment: [String: String] = [:]) async throws
        -> ServiceConfiguration
    {
        let path = try yaml.map(write)
        defer { if let path { try? FileManager.default.removeItem(atPath: path) } }
        return try await ConfigurationLoader(filePath: path, flagValues: flags, environment: environment).load()
    }

    /// The shipped example file loads and says what the documentation says.
    @Test func exampleFileLoads() async throws {
        let path = Self.packageRoot.appendingPathComponent("conf/agent-fcgi.yaml").path
        let configuration = try await ConfigurationLoader(filePath: path, environment: [:]).load()
        #expect(configuration.responder.listener == .unixSocket(path: "./data/agent-fcgi.sock", group: nil))
        #expect(configuration.responder.workers == 256)
        #expect(configuration.responder.readTimeoutSeconds == 30 && configuration.responder.maxParamsBytes == 65_536)
        #expect(configuration.sessions.maxSessions == 1000 && configuration.sessions.concurrencyPolicy == .queue)
        #expect(configuration.sessions.sessionTimeout == .seconds(3600))
        #expect(configuration.agent.maxIterations == 50 && configuration.agent.compaction.thresholdRatio == 0.8)
        #expect(configuration.tools.builtIns == ["calculator", "current_time"])
        #expect(configuration.storage.eventsPerSession == 10_000)
        #expect(configuration.model.provider == .openai && configuration.model.model == "gpt-4o-mini")
        #expect(configuration.modelChoices.allowed == ["gpt-4o-mini"] && configuration.modelChoices.contextWindows.isEmpty)
    }

    /// Flags win over the environment, which wins over the file.
    @Test func precedence() async throws {
        let yaml = "server:\n  workers: 8\n  drain_seconds: 5\nsessions:\n  max_sessions: 10\n"
        let fileOnly = try await load(yaml)
        #expect(fileOnly.responder.workers == 8 && fileOnly.sessions.maxSessions == 10)
        let withEnvironment = try await load(yaml, environment: ["AGENT_FCGI_SERVER_WORKERS": "12",
                                                                 "AGENT_FCGI_SESSIONS_MAX_SESSIONS": "20"])
        #expect(withEnvironment.responder.workers == 12 && withEnvironment.sessions.maxSessions == 20)
        let withFlags = try await load(yaml, flags: ["server.workers": "16"],
                                       environment: ["AGENT_FCGI_SERVER_WORKERS": "12"])
        #expect(withFlags.responder.workers == 16 && withFlags.responder.drainSeconds == 5)
    }

    /// A wrong value names the file, the key and the reason.
    @Test func badValues() async throws {
        do {
            _ = try await load("sessions:\n  max_sessions: lots\n")
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            #expect(error.key == "sessions.max_sessions")
            #expect(error.reason.contains("whole number") && error.reason.contains("lots"))
            #expect(error.source.hasSuffix(".yaml"))
        }
        await #expect(throws: ConfigurationError.self) { _ = try await load("sessions:\n  concurrency: sometimes\n") }
        await #expect(throws: ConfigurationError.self) { _ = try await load("server:\n  workers: 0\n") }
        await #expect(throws: ConfigurationError.self) { _ = try await load("logging:\n  level: loud\n") }
        await #expect(throws: ConfigurationError.self) { _ = try await load("server: [1, 2\n") }
        do {
            _ = try await load(nil, environment: ["AGENT_FCGI_SERVER_WORKERS": "x"])
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            #expect(error.source == "environment AGENT_FCGI_SERVER_WORKERS")
        }
    }

    /// A misspelt key is refused with a suggestion.
    @Test func unknownKeys() async throws {
        do {
            _ = try await load("sessions:\n  max_session: 5\n")
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            #expect(error.key == "sessions.max_session")
            #expect(error.reason.contains("did you mean sessions.max_sessions"))
        }
    }

    /// Operator tools are read from their own keys.
    @Test func operatorTools() async throws {
        let yaml = """
            tools:
              builtin: [calculator]
              command:
                word_count:
                  description: Counts words.
                  parameters: '{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}'
                  argv: [/usr/bin/wc, -w]
                  timeout_seconds: 5
                  env:
                    LC_ALL: C
              http:
                weather:
                  description: Weather.
                  url: http://127.0.0.1:9/w?city={city}
                  headers: ["Authorization: Bearer ${TOKEN}"]
            """
        let configuration = try await load(yaml, environment: ["TOKEN": "secret"])
        let command = try #require(configuration.tools.commandTools.first)
        #expect(command.name == "word_count" && command.argv == ["/usr/bin/wc", "-w"])
        #expect(command.timeout == .seconds(5) && command.environment == ["LC_ALL": "C"])
        #expect(command.parameters["required"] == ["text"])
        let http = try #require(configuration.tools.httpTools.first)
        #expect(http.urlTemplate == "http://127.0.0.1:9/w?city={city}")
        #expect(http.headers == [HTTPHeader("Authorization", "Bearer secret")])
        let tools = try AgentAssembly.makeTools(configuration.tools, logger: .init(label: "test"))
        #expect(tools.names == ["calculator", "word_count", "weather"])
        await #expect(throws: ConfigurationError.self) {
            _ = try await load("tools:\n  command:\n    bad:\n      description: x\n      argv: []\n")
        }
    }
}
