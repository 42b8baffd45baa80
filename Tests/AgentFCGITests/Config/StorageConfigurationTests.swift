import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// Storage configuration.
///
/// `storage.*`: the backend choice and the PostgreSQL keys, validated at start.
@Suite struct StorageConfigurationTests {
    func load(_ yaml: String?, environment: [String: String] = [:]) async throws -> ServiceConfiguration {
        let path = NSTemporaryDirectory() + "agent-fcgi-storage-\(UUID().uuidString).yaml"
        if let yaml { try yaml.write(toFile: path, atomically: true, encoding: .utf8) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await ConfigurationLoader(filePath: yaml == nil ? nil : path, environment: environment).load()
    }

    func error(_ yaml: String?, environment: [String: String] = [:]) async -> ConfigurationError? {
        do {
            _ = try await load(yaml, environment: environment)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    /// The default is the embedded SQLite file; the PostgreSQL keys have documented defaults.
    @Test func defaults() async throws {
        let storage = try await load(nil).storage
        #expect(storage.backend == .sqlite && storage.path == "./data/agent-fcgi.sqlite")
        #expect(storage.url == nil && storage.passwordFile == nil)
        #expect(storage.poolSize == 4 && storage.leaseSeconds == 15)
        #expect(storage.postgresConnection == nil)
        let example = ConfigurationLoaderTests.packageRoot.appendingPathComponent("conf/agent-fcgi.yaml").path
        let documented = try await ConfigurationLoader(filePath: example, environment: [:]).load().storage
        #expect(documented == storage, "conf/agent-fcgi.yaml shows the defaults")
    }

    /// Postgresql from the file, every key overridable from the environment.
    @Test func postgresqlFromFileAndEnvironment() async throws {
        let yaml = """
            storage:
              backend: postgresql
              url: postgresql://agent@db.internal/agentfcgi
              pool_size: 8
              lease_seconds: 30
            """
        let fromFile = try await load(yaml).storage
        #expect(fromFile.backend == .postgresql && fromFile.poolSize == 8 && fromFile.leaseSeconds == 30)
        #expect(fromFile.postgresConnection == PostgresConnectionSettings(url: "postgresql://agent@db.internal/agentfcgi"))
        let passwordFile = NSTemporaryDirectory() + "agent-fcgi-password-\(UUID().uuidString)"
        try "secret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let overridden = try await load(yaml, environment: [
            "AGENT_FCGI_STORAGE_URL": "postgresql:///other?host=/run/postgresql", "AGENT_FCGI_STORAGE_POOL_SIZE": "2",
            "AGENT_FCGI_STORAGE_PASSWORD_FILE": passwordFile, "AGENT_FCGI_STORAGE_LEASE_SECONDS": "5"]).storage
        #expect(overridden.url == "postgresql:///other?host=/run/postgresql")
        #expect(overridden.poolSize == 2 && overridden.leaseSeconds == 5 && overridden.passwordFile == passwordFile)
        let sqlite = try await load(yaml, environment: ["AGENT_FCGI_STORAGE_BACKEND": "sqlite"]).storage
        #expect(sqlite.backend == .sqlite && sqlite.postgresConnection == nil)
    }

    /// Mistakes are refused at start with the key and what to do.
    @Test func mistakes() async throws {
        let missingURL = await error("storage:\n  backend: postgresql\n")
        #expect(missingURL?.key == "storage.url" && missingURL?.reason.contains("required") == true)
        let withPassword = await error("storage:\n  backend: postgresql\n  url: postgresql://agent:hunter2@db/app\n")
        #expect(withPassword?.key == "storage.url")
        #expect(withPassword?.reason.contains("password_file") == true, "\(String(describing: withPassword))")
        #expect(withPassword?.description.contains("hunter2") == false, "the error must not echo the password")
        let notURI = await error("storage:\n  backend: postgresql\n  url: host=db dbname=app\n")
        #expect(notURI?.key == "storage.url" && notURI?.reason.contains("postgresql://") == true)
        let badBackend = await error(nil, environment: ["AGENT_FCGI_STORAGE_BACKEND": "mysql"])
        #expect(badBackend?.key == "storage.backend" && badBackend?.source == "environment AGENT_FCGI_STORAGE_BACKEND")
        let unreadable = await error("storage:\n  password_file: /nonexistent/pw\n")
        #expect(unreadable?.key == "storage.password_file" && unreadable?.reason.contains("/nonexistent/pw") == true)
        let pool = await error("storage:\n  pool_size: 0\n")
        #expect(pool?.key == "storage.pool_size")
        let lease = await error("storage:\n  lease_seconds: 0\n")
        #expect(lease?.key == "storage.lease_seconds")
        let typo = await error("storage:\n  pool_sise: 3\n")
        #expect(typo?.reason.contains("storage.pool_size") == true, "\(String(describing: typo))")
    }
}
