import Foundation
import Testing
@testable import AgentFCGI

@Suite("Command-line flags over the configuration")
struct CommandTests {
    func responder(_ arguments: [String]) async throws -> ResponderSettings {
        var loader = try AgentFCGICommand.parse(arguments).loader
        loader.environment = [:]
        return try await loader.load().responder
    }

    @Test("flags fill the settings; defaults match the documentation")
    func parsesFlags() async throws {
        let defaults = try await responder(["--socket", "/tmp/a.sock"])
        #expect(defaults.listener == .unixSocket(path: "/tmp/a.sock", group: nil))
        #expect(defaults.workers == 256 && defaults.drainSeconds == 30 && defaults.maxBodyBytes == 1 << 20)
        #expect(defaults.heartbeatSeconds == 15 && defaults.writeTimeoutSeconds == 30 && defaults.basePath == "")
        let custom = try await responder(["--listen", "127.0.0.1:9000", "--workers", "16", "--base-path", "/api/",
                                          "--max-body-bytes", "100"])
        #expect(custom.listener == .tcp(host: "127.0.0.1", port: 9000))
        #expect(custom.workers == 16 && custom.basePath == "/api" && custom.maxBodyBytes == 100)
    }

    @Test("no listener flag means the spawner's fd 0")
    func inheritedListener() async throws {
        #expect(try await responder([]).listener == .inheritedStandardInput)
    }

    @Test("a non-loopback --listen is refused unless allowed; bad values are refused")
    func refusals() async throws {
        await #expect(throws: ConfigurationError.self) { _ = try await responder(["--listen", "0.0.0.0:9000"]) }
        #expect(try await responder(["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).listener
            == .tcp(host: "0.0.0.0", port: 9000))
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--socket", "/a", "--listen", "127.0.0.1:1"]) }
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--workers", "0"]) }
        await #expect(throws: ConfigurationError.self) { _ = try await responder(["--listen", "127.0.0.1"]) }
    }
}
