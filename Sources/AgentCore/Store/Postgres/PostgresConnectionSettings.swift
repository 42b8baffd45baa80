import CPostgres
import Foundation

/// How to reach the database: a libpq connection URI and where its password comes from.
///
/// The password is never part of the URL: it comes from `passwordFile` (re-read at every
/// connect, so a rotated password is picked up), else from libpq's own sources — `PGPASSWORD`,
/// `~/.pgpass` or `PGPASSFILE` — which libpq consults by itself.
public struct PostgresConnectionSettings: Sendable, Hashable {
    /// `postgresql://agent@db.internal/agentfcgi`, `postgresql:///agentfcgi?host=/run/postgresql`.
    public var url: String
    public var passwordFile: String?
    /// A connect that takes longer fails (and is retried with backoff). libpq's `connect_timeout`;
    /// a value in the URL wins.
    public var connectTimeoutSeconds: Int
    public var applicationName: String

    public init(url: String, passwordFile: String? = nil, connectTimeoutSeconds: Int = 5,
                applicationName: String = "agent-fcgi") {
        self.url = url
        self.passwordFile = passwordFile
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// Why `url` is not usable, or nil: not a libpq URI, unparsable, or carrying a password.
    /// Checked at start-up so a typo is a configuration error, not a stream of failed connects.
    public static func problem(with url: String) -> String? {
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            return "expected a libpq connection URI starting with postgresql://, e.g. "
                + "postgresql://agent@db.internal/agentfcgi or postgresql:///agentfcgi?host=/run/postgresql"
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            let reason = message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unparsable"
            PQfreemem(message)
            return "not a valid libpq URI: \(reason)"
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", option.pointee.val != nil {
                return "must not contain a password: put it in storage.password_file, PGPASSWORD or ~/.pgpass"
            }
            option += 1
        }
        return nil
    }

    /// The password file's first line, or nil without one. A file that cannot be read is a
    /// connection failure that names the file.
    func readPasswordFile() throws(PostgresError) -> String? {
        guard let passwordFile else { return nil }
        guard let data = FileManager.default.contents(atPath: passwordFile) else {
            throw PostgresError(operation: "read storage.password_file", sqlState: nil,
                                message: "cannot read \(passwordFile); it must be readable by the agent-fcgi user",
                                connectionLost: true)
        }
        let text = String(decoding: data, as: UTF8.self)
        return String(text.prefix { $0 != "\n" && $0 != "\r" })
    }
}
