import Foundation
import Synchronization
import Glibc

/// How a child process ended, and what it wrote.
public struct ChildProcessResult: Sendable, Hashable {
    /// The exit status when the process exited on its own.
    public var exitStatus: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    public var stdout: [UInt8]
    /// The last bytes of stderr (at most `ChildProcess.stderrTail`).
    public var stderr: [UInt8]
    /// stdout passed the cap: the process group was killed and `stdout` holds the first `cap` bytes.
    public var stdoutTruncated: Bool
    public var timedOut: Bool
    public var cancelled: Bool
}
