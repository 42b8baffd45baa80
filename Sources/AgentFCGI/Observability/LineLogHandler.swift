import AgentCore
import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one line per event: `ts=… level=… msg=… key=value…` (logfmt)
/// or one JSON object. The level is shared by every logger and changes live on reload.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    let sink: LogSink
    let levelBox: LogLevelBox
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    var logLevel: Logger.Level {
        get { levelBox.level }
        nonmutating set { levelBox.level = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        let fields: [(String, String)] = [("ts", Timestamp.rfc3339Millis(Date())), ("level", event.level.rawValue),
                                          ("logger", label), ("msg", event.message.description)]
            + merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) }
        sink.write(format == .json ? Self.json(fields) : Self.logfmt(fields))
    }

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0)=\(quoteIfNeeded($0.1))" }.joined(separator: " ")
    }

    static func json(_ fields: [(String, String)]) -> String {
        JSONValue.serializeObject(fields.map { ($0.0, JSONValue.string($0.1)) })
    }

    /// logfmt values with spaces, quotes, `=`, control characters or Unicode line separators are
    /// quoted and escaped as JSON strings: no reader splitting on any line break sees a forged line.
    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "=" || scalar == "\"" || JSONValue.needsEscape(scalar)
        }
        guard needsQuotes else { return value }
        var escaped = ""
        JSONValue.string(value).write(to: &escaped)
        return escaped
    }
}

/// The process-wide log level, changed by config reload. Read by every log call on every
/// thread (even the ones the level drops), so it is an atomic, not a lock.
final class LogLevelBox: Sendable {
    private static let levels = Logger.Level.allCases
    private let current: Atomic<Int>

    init(_ level: Logger.Level) {
        current = Atomic(Self.levels.firstIndex(of: level) ?? 0)
    }

    var level: Logger.Level {
        get { Self.levels[current.load(ordering: .relaxed)] }
        set { current.store(Self.levels.firstIndex(of: newValue) ?? 0, ordering: .relaxed) }
    }
}
