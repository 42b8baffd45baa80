import Foundation
import Testing
@testable import AgentFCGI

/// Worker count limits.
///
/// `server.workers` goes to 20,000: one worker per stream, and issue 18 asks for 10,000 streams
/// on one host (docs/DEPLOYMENT.md §8).
@Suite struct WorkerLimitTests {
    private func load(_ yaml: String, flags: [String: String] = [:]) async throws -> ServiceConfiguration {
        let path = NSTemporaryDirectory() + "agent-fcgi-workers-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await ConfigurationLoader(filePath: path, flagValues: flags, environment: [:]).load()
    }

    /// 10,500 and 20,000 workers are accepted; 20,001 is refused with the range.
    @Test func workersUpToTwentyThousand() async throws {
        #expect(try await load("server:\n  workers: 10500\n").responder.workers == 10_500)
        #expect(try await load("server:\n  workers: 8\n", flags: ["server.workers": "20000"]).responder.workers == 20_000)
        do {
            _ = try await load("server:\n  workers: 20001\n")
            Issue.record("20001 workers were accepted")
        } catch let error as ConfigurationError {
            #expect("\(error)".contains("20000"), "the error names the range: \(error)")
        }
    }

    /// --workers takes the same range.
    @Test func flagRange() throws {
        #expect(throws: (any Error).self) { _ = try AgentFCGICommand.parse(["--workers", "20001"]) }
        let command = try AgentFCGICommand.parse(["--workers", "20000"])
        #expect(command.workers == 20_000)
    }
}
