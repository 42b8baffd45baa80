import AgentTestSupport
import Foundation
import Testing

/// The page driver itself, before any stack is involved: it must report a failure (never a
/// pass) when nothing serves the page, and still produce its JSON report and a screenshot.
@Suite struct WebPageDriverTests {
    @Test func reportsFailureWhenNothingServesThePage() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("web-driver-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try closedLoopbackPort()
        var options = WebPageDriver.Options(baseURL: "http://127.0.0.1:\(port)/")
        options.screenshot = directory.appendingPathComponent("page.png")
        options.loadTimeoutSeconds = 4
        let outcome = try await WebPageDriver.run(options, workDirectory: directory)
        #expect(outcome.status == 1, "\(outcome.explanation)")
        let report = try #require(outcome.report, "no JSON report: \(outcome.explanation)")
        #expect(!report.ok)
        #expect(report.failures.contains { $0.contains("waiting for the page to load") }, "\(report.failures)")
        let png = try #require(FileManager.default.contents(atPath: options.screenshot!.path), "no screenshot")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "the screenshot is not a PNG")
    }

    /// A loopback port that was free a moment ago and has no listener now.
    private func closedLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return UInt16(bigEndian: address.sin_port)
    }
}
