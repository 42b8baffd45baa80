import Foundation
import Synchronization

/// Where log lines go: stderr always (journald picks it up), and a file when configured.
/// `reopen()` (SIGUSR1) closes and reopens the file so logrotate can move it away.
///
/// Threading: any thread; a line is written with one `write(2)` under a mutex so lines never interleave.
final class LogSink: Sendable {
    private let path: String?
    private let fileDescriptor: Mutex<Int32>

    init(path: String?) throws {
        self.path = path
        self.fileDescriptor = Mutex(-1)
        if let path {
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else {
                throw LogSinkError(path: path, reason: String(cString: strerror(errno)))
            }
            fileDescriptor.withLock { $0 = descriptor }
        }
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            _ = Foundation.write(STDERR_FILENO, buffer.baseAddress, buffer.count)
            fileDescriptor.withLock { descriptor in
                if descriptor >= 0 { _ = Foundation.write(descriptor, buffer.baseAddress, buffer.count) }
            }
        }
    }

    /// Reopens the log file at its path. Returns false (keeping the old file) when that fails.
    @discardableResult
    func reopen() -> Bool {
        guard let path else { return true }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { return false }
        let old = fileDescriptor.withLock { current in
            defer { current = descriptor }
            return current
        }
        if old >= 0 { close(old) }
        return true
    }
}

struct LogSinkError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot open log file \(path): \(reason)" }
}
