import AgentCore

enum SessionsSection {
    static func read(_ source: ConfigSource) throws -> SessionSettings {
        var settings = SessionSettings()
        let minutes = try source.double("sessions.session_timeout_minutes", default: 60, range: 0.001...525_600)
        settings.sessionTimeout = .milliseconds(Int(minutes * 60_000))
        let interval = try source.double("sessions.cleanup_interval_seconds", default: 300, range: 0.01...86_400)
        settings.cleanupInterval = .milliseconds(Int(interval * 1000))
        settings.maxSessions = try source.int("sessions.max_sessions", default: settings.maxSessions, range: 1...10_000_000)
        settings.concurrencyPolicy = try source.choice("sessions.concurrency", default: settings.concurrencyPolicy)
        settings.maxQueuePerSession = try source.int("sessions.max_queue_per_session",
                                                     default: settings.maxQueuePerSession, range: 0...10_000)
        settings.onDisconnect = try source.choice("sessions.on_disconnect", default: settings.onDisconnect)
        return settings
    }
}
