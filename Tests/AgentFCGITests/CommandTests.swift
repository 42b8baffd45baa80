import Testing
@testable import AgentFCGI

@Suite("Command-line flags to settings")
struct CommandTests {
    @Test("flags fill the settings; defaults match the documentation")
    func parsesFlags() throws {
        let defaults = try AgentFCGICommand.parse(["--socket", "/tmp/a.sock"]).settings()
        #expect(defaults.listener == .unixSocket(path: "/tmp/a.sock", group: nil))
        #expect(defaults.workers == 256 && defaults.drainSeconds == 30 && defaults.maxBodyBytes == 1 << 20)
        #expect(defaults.heartbeatSeconds == 15 && defaults.writeTimeoutSeconds == 30 && defaults.basePath == "")
        let custom = try AgentFCGICommand.parse(["--listen", "127.0.0.1:9000", "--workers", "16", "--base-path", "/api/",
                                                 "--max-body-bytes", "100"]).settings()
        #expect(custom.listener == .tcp(host: "127.0.0.1", port: 9000))
        #expect(custom.workers == 16 && custom.basePath == "/api" && custom.maxBodyBytes == 100)
    }

    @Test("no listener flag means the spawner's fd 0")
    func inheritedListener() throws {
        #expect(try AgentFCGICommand.parse([]).settings().listener == .inheritedStandardInput)
    }

    @Test("a non-loopback --listen is refused unless allowed; bad values are refused")
    func refusals() throws {
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--listen", "0.0.0.0:9000"]) }
        #expect(try AgentFCGICommand.parse(["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).settings().listener
            == .tcp(host: "0.0.0.0", port: 9000))
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--socket", "/a", "--listen", "127.0.0.1:1"]) }
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--workers", "0"]) }
        #expect(throws: (any Error).self) { try AgentFCGICommand.parse(["--listen", "127.0.0.1"]) }
    }
}
