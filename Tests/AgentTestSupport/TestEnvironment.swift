import Foundation

/// The package paths and small system helpers every test target shares.
public enum TestEnvironment {
    /// The package root, found from this file's location (Tests/AgentTestSupport/…).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file under Tests/Fixtures (e.g. `"fake-llm/fake_llm.py"`).
    public static func fixture(_ relativePath: String) -> String {
        packageRoot.appendingPathComponent("Tests/Fixtures/\(relativePath)").path
    }

    /// The responder under test: `AGENT_FCGI_BIN` (set by `make test`) or the debug build.
    public static var responderBinary: String {
        if let path = ProcessInfo.processInfo.environment["AGENT_FCGI_BIN"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".build/debug/agent-fcgi").path
    }

    public static func executable(_ name: String, in directories: [String] = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) -> String? {
        directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh directory under /tmp (short, so unix socket paths stay under 108 bytes).
    public static func makeTemporaryDirectory(prefix: String = "agent-fcgi-e2e") throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))") }
        return String(cString: created)
    }

    /// A port on 127.0.0.1 for a test server. Ports come from one counter per test process, below
    /// the kernel's ephemeral range: parallel tests never get the same one, and no fake LLM
    /// (bound to port 0) or outgoing connection can take it between our pick and the server's bind.
    /// A port some other program holds is skipped.
    public static func freePort() throws -> UInt16 {
        for _ in 0..<portPool.count {
            let port = portPool.next()
            if canBind(port: port) { return port }
        }
        throw TestFailure("no free port in \(portPool.range)")
    }

    private static let portPool = PortPool()

    private static func canBind(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// True once `pid` itself holds the socket listening on 127.0.0.1:`port`. A plain connect
    /// is not proof: it also succeeds when someone else got the port and our server failed to bind.
    public static func isListening(port: UInt16, pid: pid_t) -> Bool {
        guard let table = readProcFile("/proc/net/tcp") else { return false }
        let local = String(format: "0100007F:%04X", port)
        let inodes = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1] == local, fields[3] == "0A" else { return nil }
            return "socket:[\(fields[9])]"
        }
        guard !inodes.isEmpty, let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return false }
        return fds.contains { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")).map(inodes.contains) ?? false
        }
    }

    /// procfs files report size 0, and a read sized from that stops after the first page.
    private static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Polls `condition` every 20 ms for up to `timeout` seconds.
    public static func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    public static func canConnect(unixSocket path: String) -> Bool {
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

    /// Copies a project conf file, replacing `@NAME@` placeholders.
    public static func template(_ confName: String, to destination: String, values: [String: String]) throws {
        var text = try String(contentsOf: packageRoot.appendingPathComponent("conf/\(confName)"), encoding: .utf8)
        for (name, value) in values {
            text = text.replacingOccurrences(of: "@\(name)@", with: value)
        }
        try text.write(toFile: destination, atomically: true, encoding: .utf8)
    }
}
