import Foundation

/// Paths and small system helpers shared by the end-to-end harness.
enum TestEnvironment {
    /// The package root, found from this file's location (Tests/EndToEndTests/Harness/…).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The responder under test: `AGENT_FCGI_BIN` (set by `make test`) or the debug build.
    static var responderBinary: String {
        if let path = ProcessInfo.processInfo.environment["AGENT_FCGI_BIN"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".build/debug/agent-fcgi").path
    }

    static func executable(_ name: String, in directories: [String] = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) -> String? {
        directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh directory under /tmp (short, so unix socket paths stay under 108 bytes).
    static func makeTemporaryDirectory(prefix: String = "agent-fcgi-e2e") throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))") }
        return String(cString: created)
    }

    /// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw TestFailure("could not find a free port") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Polls `condition` every 20 ms for up to `timeout` seconds.
    static func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    static func canConnect(unixSocket path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }

    static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Copies a project conf file, replacing `@NAME@` placeholders.
    static func template(_ confName: String, to destination: String, values: [String: String]) throws {
        var text = try String(contentsOf: packageRoot.appendingPathComponent("conf/\(confName)"), encoding: .utf8)
        for (name, value) in values {
            text = text.replacingOccurrences(of: "@\(name)@", with: value)
        }
        try text.write(toFile: destination, atomically: true, encoding: .utf8)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
