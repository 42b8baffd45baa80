import Logging

/// The process's logging: one sink (stderr, plus a file when configured) and a level that
/// reloads change live. Bootstrapped once, before anything logs.
final class LoggingSetup: Sendable {
    let sink: LogSink
    let level: LogLevelBox

    init(_ settings: LoggingSettings) throws {
        sink = try LogSink(path: settings.file)
        level = LogLevelBox(settings.level)
        let sink = self.sink
        let level = self.level
        LoggingSystem.bootstrap { label in
            LineLogHandler(label: label, format: settings.format, sink: sink, levelBox: level)
        }
    }
}
