import Foundation
import Testing
@testable import AgentFCGI

/// Command-line flags over the configuration.
@Suite struct CommandTests {
    func responder(_ arguments: [String]) async throws -> ResponderSettings {
        var loader = try AgentFCGICommand.parse(arguments).loader
        loader.environment = [:]
        return try await loader.load().responder
    }

    /// Flags fill the settings; defaults match the documentation.
    @Test func parsesFlags() async throws {
        let defaults = try await responder(["--socket", "/tmp/a.sock"])
        #expect(defaults.listener == .unixSocket(path: "/tmp/a.sock", group: nil))
        #expect(defaults.workers == 256 && defaults.drainSeconds == 30 && defaults.maxBodyBytes == 1 << 20)
        #expect(defaults.heartbeatSeconds == 15 && defaults.writeTimeoutSeconds == 30 && defaults.basePath == "")
        let custom = try await responder(["--listen", "127.0.0.1:9000", "--workers", "16", "--base-path", "/api/",
                                          "--max-body-bytes", "100"])
        #expect(custom.listener == .tcp(host: "127.0.0.1", port: 9000))
        #expect(custom.workers == 16 && custom.basePath == "/api" && custom.maxBodyBytes == 100)
    }

    /// The FastCGI guard's keys: defaults, flags, environment, and their bounds.
    @Test func guardKeys() async throws {
        let defaults = try await responder(["--socket", "/tmp/a.sock"])
        #expect(defaults.readTimeoutSeconds == 30 && defaults.maxParamsBytes == 65_536)
        let flags = try await responder(["--socket", "/tmp/a.sock", "--read-timeout-seconds", "2.5", "--max-params-bytes", "8192"])
        #expect(flags.readTimeoutSeconds == 2.5 && flags.maxParamsBytes == 8192)
        var loader = try AgentFCGICommand.parse(["--socket", "/tmp/a.sock"]).loader
        loader.environment = ["AGENT_FCGI_SERVER_READ_TIMEOUT_SECONDS": "7", "AGENT_FCGI_SERVER_MAX_PARAMS_BYTES": "4096"]
        let environment = try await loader.load().responder
        #expect(environment.readTimeoutSeconds == 7 && environment.maxParamsBytes == 4096)
        await #expect(throws: ConfigurationError.self) { _ = try await responder(["--read-timeout-seconds", "0"]) }
        await #expect(throws: ConfigurationError.self) { _ = try await responder(["--max-params-bytes", "100"]) }
    }

    /// No listener flag means the spawner's fd 0.
    @Test func inheritedListener() async throws {
        #expect(try await responder([]).listener == .inheritedStandardInput)
    }

    /// A non-loopback --listen is refused unless allowed; bad values are refused.
    @Test func refusals() async throws {
        await #expect(throws: ConfigurationError.self) { _ = try await responder(["--listen", "0.0.0.0:9000"]) }
        #expect(try await responder(["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).listener
            == .tcp(host: "0.0.0.0", port: 9000))
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--socket", "/a", "--listen", "127.0.0.1:1"]) }
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--workers", "0"]) }
        await #expect(throws: ConfigurationError.self) { _ = try await responder(["--listen", "127.0.0.1"]) }
    }
}

/// Subcommands.
@Suite struct SubcommandTests {
    /// Plain flags run the responder; chat is its own subcommand.
    @Test func routing() throws {
        let serve = try AgentFCGICommand.parseAsRoot(["--socket", "/tmp/a.sock", "--workers", "4"])
        #expect((serve as? AgentFCGICommand)?.socket == "/tmp/a.sock")
        let chat = try #require(try AgentFCGICommand.parseAsRoot(["chat", "--url", "http://127.0.0.1:8080/", "--session", "s1"]) as? ChatCommand)
        #expect(chat.url == "http://127.0.0.1:8080/" && chat.session == "s1")
        #expect(throws: (any Error).self) { try AgentFCGICommand.parseAsRoot(["chat", "--url", "ftp://x"]) }
        #expect(throws: (any Error).self) { try AgentFCGICommand.parseAsRoot(["chat", "--url", "http://127.0.0.1:1", "--session", "bad id"]) }
    }
}
