import AgentCore
import Foundation

enum StorageSection {
    static func read(_ source: ConfigSource) throws -> StorageSettings {
        var settings = StorageSettings()
        settings.backend = try source.choice("storage.backend", default: settings.backend)
        settings.path = source.string("storage.path", default: settings.path)
        settings.eventsPerSession = try source.int("storage.events_per_session", default: settings.eventsPerSession,
                                                   range: 1...10_000_000)
        settings.url = source.nonEmptyString("storage.url")
        settings.passwordFile = source.nonEmptyString("storage.password_file")
        settings.poolSize = try source.int("storage.pool_size", default: settings.poolSize, range: 1...64)
        settings.leaseSeconds = try source.double("storage.lease_seconds", default: settings.leaseSeconds, range: 1...3600)
        // A server.* key read here: the store is what uses the responder's identity (its leases).
        if let instanceId = source.nonEmptyString("server.instance_id") {
            guard instanceId.count <= 200, !instanceId.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw source.error("server.instance_id", "must be at most 200 characters without control characters")
            }
            settings.instanceId = instanceId
        }
        if let url = settings.url, let problem = PostgresConnectionSettings.problem(with: url) {
            throw source.error("storage.url", problem)
        }
        if let file = settings.passwordFile, !FileManager.default.isReadableFile(atPath: file) {
            throw source.error("storage.password_file", "cannot read \(file); it must exist and be readable by agent-fcgi")
        }
        if settings.backend == .postgresql, settings.url == nil {
            throw source.error("storage.url", "required with storage.backend: postgresql, e.g. "
                               + "postgresql://agent@db.internal/agentfcgi or postgresql:///agentfcgi?host=/run/postgresql")
        }
        return settings
    }
}
