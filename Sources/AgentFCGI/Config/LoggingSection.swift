import Logging

enum LoggingSection {
    static func read(_ source: ConfigSource) throws -> LoggingSettings {
        var settings = LoggingSettings()
        if let level = source.nonEmptyString("logging.level") {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw source.error("logging.level", "expected one of trace, debug, info, notice, warning, error, critical, "
                                   + "got \(level.debugDescription)")
            }
            settings.level = parsed
        }
        settings.format = try source.choice("logging.format", default: settings.format)
        settings.file = source.nonEmptyString("logging.file")
        return settings
    }
}
