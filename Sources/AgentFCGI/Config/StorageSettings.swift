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
    /// This responder's name in the store's leases (`server.instance_id`); unique per responder.
    var instanceId = LeaseSettings.defaultOwner

    /// The lease protocol's owner and duration, for either store.
    var lease: LeaseSettings {
        LeaseSettings(owner: instanceId, duration: .milliseconds(Int64((leaseSeconds * 1000).rounded())))
    }

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
