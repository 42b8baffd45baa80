import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// Model choice configuration.
///
/// `model.allowed` and `model.context_windows`: what a client may pick, and each model's window.
@Suite struct ModelChoiceConfigurationTests {
    func load(_ yaml: String?, environment: [String: String] = [:]) async throws -> ServiceConfiguration {
        let path = try yaml.map { text -> String in
            let path = NSTemporaryDirectory() + "agent-fcgi-models-\(UUID().uuidString).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        defer { if let path { try? FileManager.default.removeItem(atPath: path) } }
        return try await ConfigurationLoader(filePath: path, environment: environment).load()
    }

    /// By default only model.name may be chosen; a list adds to it, the default first.
    @Test func allowedModels() async throws {
        #expect(try await load(nil).modelChoices.allowed == ["gpt-4o-mini"])
        let listed = try await load("model:\n  name: small\n  allowed: [big, small, \"gpt-4.1\"]\n")
        #expect(listed.modelChoices.allowed == ["small", "big", "gpt-4.1"])
        let fromEnvironment = try await load(nil, environment: ["AGENT_FCGI_MODEL_ALLOWED": "a,b"])
        #expect(fromEnvironment.modelChoices.allowed == ["gpt-4o-mini", "a", "b"])
    }

    /// Context windows by model name, dots included, override context_window for that model only.
    @Test func contextWindows() async throws {
        let configuration = try await load("""
            model:
              name: small
              context_window: 8000
              allowed: ["gpt-4.1", big]
              context_windows:
                gpt-4.1: 1000000
                small: 4000
            """)
        let choices = configuration.modelChoices
        #expect(choices.contextWindows == ["gpt-4.1": 1_000_000, "small": 4000])
        #expect(choices.configuration(of: "gpt-4.1", base: configuration.model).contextWindow == 1_000_000)
        #expect(choices.configuration(of: "big", base: configuration.model).contextWindow == 8000)
        #expect(choices.configuration(of: "big", base: configuration.model).model == "big")
        let profile = try AgentAssembly.makeProfile(configuration, logger: .init(label: "test"))
        #expect(profile.allowedModels == ["small", "gpt-4.1", "big"])
        #expect((profile.runner as? Agent)?.model.contextWindow == 4000)
    }

    /// A window for a model no query can use, or one that is not a number, stops the start.
    @Test func badContextWindows() async throws {
        do {
            _ = try await load("model:\n  name: small\n  context_windows:\n    huge: 100\n")
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            #expect(error.key == "model.context_windows.huge" && error.reason.contains("model.allowed"))
        }
        do {
            _ = try await load("model:\n  name: small\n  context_windows:\n    small: lots\n")
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            #expect(error.key == "model.context_windows.small" && error.reason.contains("lots"))
        }
        await #expect(throws: ConfigurationError.self) { _ = try await load("model:\n  context_windows: [1, 2]\n") }
        await #expect(throws: ConfigurationError.self) { _ = try await load("model:\n  allowed: [\"\"]\n") }
    }
}
