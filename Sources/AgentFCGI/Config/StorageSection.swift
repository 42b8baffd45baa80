import AgentCore
import Foundation

/// Where sessions are stored: the embedded SQLite file (default) or a PostgreSQL database
/// shared by several responders.
struct StorageSettings: Sendable, Hashable {
    enum Backend: String, CaseIterable, Sendable {
        case sqlite, postgresql
    }

    var backend = Backend.sqlite
    var path = "./data/agent-fcgi.sqlite"
    var eventsPerSession = 10_000
    /// libpq connection URI (postgresql backend); never carries the password.
    var url: String?
    /// A file holding the password (first line); otherwise libpq's PGPASSWORD or ~/.pgpass.
    var passwordFile: String?
    /// Connections to PostgreSQL, each on a thread of its own.
    var poolSize = 4
    /// How long a running query's claim on its session lasts without renewal (multi-responder leases).
    var leaseSeconds = 15.0

    /// The PostgreSQL connection, for the postgresql backend.
    var postgresConnection: PostgresConnectionSettings? {
        guard backend == .postgresql, let url else { return nil }
        return PostgresConnectionSettings(url: url, passwordFile: passwordFile)
    }

    /// For logs and `--check-config`: the file, or the URL (which holds no password).
    var location: String {
        switch backend {
        case .sqlite: return path
        case .postgresql: return url ?? "(no storage.url)"
        }
    }
}

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
