import Foundation

/// Why a FastCGI connection was closed without an answer. Each is logged once and counted in
/// `/status` and `/metrics` (`read_timeouts`, `rejected_connections`, or `client_aborts` for a
/// body the web server stopped sending).
enum ConnectionProblem: Error, Equatable, CustomStringConvertible {
    enum Phase: String, Sendable {
        case head = "the request head (BEGIN_REQUEST and PARAMS)"
        case body = "the request body"
    }

    /// The bytes are not what a web server sends (see `FastCGIRequestParser`).
    case malformed(FastCGIRequestParser.Failure)
    /// Nothing arrived for `server.read_timeout_seconds` while the request was incomplete.
    case timedOut(during: Phase)
    case closedEarly(during: Phase)
    case readFailed(errno: Int32, during: Phase)
    /// libfcgi would not take the request (never seen: it is handed a canonical start).
    case handOffFailed(String)
    /// The responder stopped waiting for the body because it is shutting down.
    case shuttingDown

    var description: String {
        switch self {
        case .malformed(let failure): return "malformed FastCGI input: \(failure)"
        case .timedOut(let phase):
            return "nothing received for server.read_timeout_seconds while reading \(phase.rawValue)"
        case .closedEarly(let phase): return "the peer closed the connection in the middle of \(phase.rawValue)"
        case .readFailed(let code, let phase):
            return "reading \(phase.rawValue) failed: \(String(cString: strerror(code)))"
        case .handOffFailed(let reason): return "libfcgi did not take the request: \(reason)"
        case .shuttingDown: return "the responder is shutting down"
        }
    }

    /// What a dropped connection counts as in `/status`.
    enum Tally { case readTimeout, rejected, clientAbort }

    var tally: Tally {
        switch self {
        case .timedOut: return .readTimeout
        case .closedEarly(.body), .readFailed(_, .body), .shuttingDown: return .clientAbort
        default: return .rejected
        }
    }
}
