import Foundation

/// The listening socket libfcgi accepts on. We create it ourselves because `FCGX_OpenSocket`
/// exits the process on failure, unlinks whatever is at the path and binds 0.0.0.0 for ":port".
struct ListenSocket: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let fd: Int32
    let description: String
    /// Set for a unix socket we created, so we can remove it (only it) on exit.
    private let createdPath: (path: String, inode: ino_t)?

    /// The kernel caps the backlog at `net.core.somaxconn` (4096 on current kernels): asking for
    /// more takes whatever the host allows. A burst of new streams (thousands of connects a
    /// second while every worker is busy starting one) otherwise overflows a short queue, and
    /// nginx answers 502 for a unix socket whose queue is full (EAGAIN) instead of waiting.
    static let defaultBacklog: Int32 = 65_535

    static func open(_ listener: ResponderSettings.Listener, backlog: Int32 = defaultBacklog) throws(Failure) -> ListenSocket {
        switch listener {
        case .unixSocket(let path, let group): return try openUnix(path: path, group: group, backlog: backlog)
        case .tcp(let host, let port): return try openTCP(host: host, port: port, backlog: backlog)
        case .inheritedStandardInput:
            guard standardInputIsListening() else {
                throw Failure(description: "fd 0 is not a listening socket; pass --socket or --listen")
            }
            return ListenSocket(fd: 0, description: "fd 0 (inherited from the spawner)", createdPath: nil)
        }
    }

    /// True when a spawner (lighttpd `bin-path`, spawn-fcgi) left a listening socket on fd 0.
    static func standardInputIsListening() -> Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(0, $0, &length) }
        }
        guard named == 0 else { return false }
        var accepting: Int32 = 0
        var optionLength = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &optionLength) == 0 && accepting == 1
    }

    /// Wakes every thread blocked in `accept()` on this socket (they get an error and return).
    func shutdownAccepting() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Removes the socket file if it is still the one we created (a new responder may own the path).
    func removeSocketFile() {
        guard let createdPath else { return }
        var info = stat()
        if lstat(createdPath.path, &info) == 0, info.st_ino == createdPath.inode {
            unlink(createdPath.path)
        }
    }

    private static func openUnix(path: String, group: String?, backlog: Int32) throws(Failure) -> ListenSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw Failure(description: "socket path too long (max \(capacity - 1) bytes): \(path)") }
        try removeStaleSocket(at: path)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        // Close-on-exec: a process we start (the crash reporter, a command tool) must not keep the
        // listener open after we are gone, or nginx's connects would hang instead of failing fast.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(AF_UNIX) failed: \(errnoText())") }
        // The umask applies to bind(); we are still single-threaded here, so changing it is safe.
        let previousMask = umask(0o117)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previousMask)
        guard bound == 0 else { close(fd); throw Failure(description: "bind \(path) failed: \(errnoText())") }
        chmod(path, 0o660)
        if let group {
            guard let entry = getgrnam(group) else { close(fd); unlink(path); throw Failure(description: "unknown --socket-group \(group)") }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                let reason = errnoText()
                close(fd); unlink(path)
                throw Failure(description: "chown \(path) to group \(group) failed: \(reason)")
            }
        }
        guard listen(fd, backlog) == 0 else { close(fd); unlink(path); throw Failure(description: "listen on \(path) failed: \(errnoText())") }
        var info = stat()
        lstat(path, &info)
        return ListenSocket(fd: fd, description: "unix:\(path)", createdPath: (path, info.st_ino))
    }

    /// A leftover socket from a dead responder is removed; a live one, or anything that is not a
    /// socket, is an error — we never delete what we did not create.
    private static func removeStaleSocket(at path: String) throws(Failure) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw Failure(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 { throw Failure(description: "another process is listening on \(path)") }
        unlink(path)
    }

    private static func openTCP(host: String, port: UInt16, backlog: Int32) throws(Failure) -> ListenSocket {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let literal = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, literal, &address.sin_addr) == 1 else {
            throw Failure(description: "--listen wants an IPv4 address, got \(host)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(AF_INET) failed: \(errnoText())") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw Failure(description: "bind \(host):\(port) failed: \(errnoText())") }
        guard listen(fd, backlog) == 0 else { close(fd); throw Failure(description: "listen on \(host):\(port) failed: \(errnoText())") }
        return ListenSocket(fd: fd, description: "tcp:\(host):\(port)", createdPath: nil)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
