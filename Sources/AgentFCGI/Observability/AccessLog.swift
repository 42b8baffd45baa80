import Foundation
import Logging

/// The access log: one info line per request, written by the worker after the response ended,
/// like nginx's access_log but with what only the responder knows (route, session, principal,
/// stream events). Never the body, the query string or headers: those carry messages and keys.
struct AccessLog: Sendable {
    struct Entry {
        var method: String
        var path: String
        var route: String
        var status: Int
        /// Body bytes written (event frames included for streams).
        var bytes: Int
        var seconds: Double
        var sessionId: String?
        /// `REMOTE_USER` as the web server authenticated it.
        var owner: String?
        /// Server-sent events written; 0 for plain responses.
        var events: Int
        /// `complete`, or why the response ended early (`client_gone`, `write_timeout`, `shutdown`).
        var end: String
    }

    /// Paths are the client's text: cut so one request cannot write a megabyte line.
    static let maxPathLength = 512

    private let logger = Logger(label: "agent-fcgi.access")

    func log(_ entry: Entry) {
        logger.info("request", metadata: Self.metadata(entry))
    }

    /// Seconds with three decimals (`2.412`), written by hand: every request's access line has
    /// one, and `String(format:)` goes through Foundation's formatter.
    static func seconds(_ value: Double) -> String {
        let millis = Int((max(0, value) * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func metadata(_ entry: Entry) -> Logger.Metadata {
        var path = entry.path
        if path.count > maxPathLength { path = String(path.prefix(maxPathLength)) + "…" }
        var metadata: Logger.Metadata = [
            "method": "\(entry.method)", "path": "\(path)", "route": "\(entry.route)", "status": "\(entry.status)",
            "bytes": "\(entry.bytes)", "duration": "\(Self.seconds(entry.seconds))", "events": "\(entry.events)",
            "end": "\(entry.end)",
        ]
        if let sessionId = entry.sessionId { metadata["session_id"] = "\(sessionId)" }
        if let owner = entry.owner { metadata["owner"] = "\(owner)" }
        return metadata
    }
}
