import Foundation

/// Everything the responder needs to start, independent of where it came from (flags today;
/// a config file and environment layer can fill the same struct later).
public struct ResponderSettings: Sendable, Equatable {
    public enum Listener: Sendable, Equatable {
        /// A unix socket we create (mode 0660), optionally chown'ed to a group.
        case unixSocket(path: String, group: String?)
        /// A TCP listener; loopback only unless the operator allowed otherwise.
        case tcp(host: String, port: UInt16)
        /// The listening socket a spawner (lighttpd `bin-path`, spawn-fcgi) passed as fd 0.
        case inheritedStandardInput
    }

    public var listener: Listener
    public var workers = 256
    /// Workers kept free for the next connection; more start as connections take them, up to
    /// `workers` (`WorkerPool`). 0 starts all `workers` at once.
    public var spareWorkers = 8
    /// At most this many idle workers wait in accept() at once, the rest sleep until needed
    /// (`AcceptTurns`); 0 lets every idle worker wait, served in the kernel's order.
    public var acceptors = 0
    public var drainSeconds = 30.0
    public var maxBodyBytes = 1 << 20
    /// Mount prefix stripped from request paths before routing, e.g. `/agent-api`; empty for none.
    public var basePath = ""
    public var heartbeatSeconds = 15.0
    public var writeTimeoutSeconds = 30.0
    /// A peer silent this long in the middle of a request (its head or body) is dropped.
    public var readTimeoutSeconds = 30.0
    /// Largest PARAMS stream (the request line and headers in CGI form) accepted; nginx sends a
    /// few KiB.
    public var maxParamsBytes = 65_536
    public var slowRequestSeconds = 5.0
    /// Seconds a client is told to wait (`Retry-After`) when we are draining.
    public var retryAfterSeconds = 5
    /// Worker thread stack size; requests are handled in tasks, so workers need little.
    public var workerStackBytes = 512 * 1024

    public init(listener: Listener) {
        self.listener = listener
    }

    /// `base_path` normalised to `/prefix` without a trailing slash ("" when unset or "/").
    public static func normalizedBasePath(_ raw: String) -> String {
        var path = raw.trimmingCharacters(in: .whitespaces)
        while path.hasSuffix("/") { path.removeLast() }
        if path.isEmpty { return "" }
        return path.hasPrefix("/") ? path : "/" + path
    }
}
