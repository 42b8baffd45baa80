import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// What only the PostgreSQL backend has: URL checks, the password file, and errors that tell
/// the operator what to do.
@Suite struct PostgresConnectionTests {
    @Test func urlsAreCheckedBeforeAnyConnect() {
        #expect(PostgresConnectionSettings.problem(with: "postgresql://agent@db.internal/agentfcgi") == nil)
        #expect(PostgresConnectionSettings.problem(with: "postgresql:///agentfcgi?host=/run/postgresql&port=5432") == nil)
        #expect(PostgresConnectionSettings.problem(with: "host=db dbname=x")?.contains("postgresql://") == true)
        #expect(PostgresConnectionSettings.problem(with: "postgresql://agent:secret@db/agentfcgi")?
                    .contains("must not contain a password") == true)
        #expect(PostgresConnectionSettings.problem(with: "postgresql://db/x?password=secret")?
                    .contains("storage.password_file") == true)
        #expect(PostgresConnectionSettings.problem(with: "postgresql://db/x?nonsense=1")?.contains("not a valid") == true)
    }

    @Test func aMissingDatabaseIsAConnectErrorThatSaysWhatToDo() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let settings = PostgresConnectionSettings(url: cluster.url(database: "no_such_database"))
        do {
            let store = try await PostgresSessionStore(settings: .init(connection: settings, poolSize: 1))
            await store.close()
            Issue.record("connecting to a missing database must fail")
        } catch let error as PostgresError {
            #expect(error.sqlState == "3D000")
            #expect(error.isStorageFailure)
            #expect(error.description.contains("no_such_database"), "\(error)")
            #expect(error.description.contains("createdb"), "says what to do: \(error)")
        }
    }

    @Test func thePasswordFileIsReadAtConnectAndAnUnreadableOneIsNamed() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let url = try await cluster.makeDatabase()
        let directory = try TemporaryDirectory()
        let file = directory.path + "/password"
        // Trust authentication ignores the password; what is checked is that the file is read.
        try "not-used\n".write(toFile: file, atomically: true, encoding: .utf8)
        let settings = PostgresConnectionSettings(url: url, passwordFile: file)
        let password = try settings.readPasswordFile()
        #expect(password == "not-used", "the first line, without its newline")
        let store = try await PostgresSessionStore(settings: .init(connection: settings, poolSize: 1))
        #expect(await store.checkHealth() == .healthy)
        await store.close()

        let missing = PostgresConnectionSettings(url: url, passwordFile: directory.path + "/absent")
        do {
            _ = try await PostgresSessionStore(settings: .init(connection: missing, poolSize: 1))
            Issue.record("an unreadable password file must fail the connect")
        } catch let error as PostgresError {
            #expect(error.description.contains(directory.path + "/absent"), "\(error)")
        }
    }

    /// After a database restart every pooled connection is dead without knowing it. Writes
    /// (which are not retried blindly) must still all succeed: a connection that died while
    /// idle is noticed before use, or its job re-run when the server never answered it.
    @Test func connectionsThatDiedWhileIdleAreReplacedBeforeAnyWriteFails() async throws {
        let cluster = try await PostgresTestCluster()
        defer { cluster.stop() }
        let pool = PostgresPool(settings: PostgresConnectionSettings(url: try await cluster.makeDatabase()), size: 4)
        try await pool.perform("create") { try $0.execute("CREATE TABLE t (n integer)", operation: "create") }
        let insert = PostgresStatement("insert", "INSERT INTO t (n) SELECT $1::integer FROM pg_sleep(0.2)")
        // Overlapping slow jobs: every thread opens its connection.
        try await Self.insertConcurrently(pool, insert, values: 0..<8)
        try await cluster.pause()
        try await cluster.resume()
        // No job ran in between: all four connections are stale now.
        try await Self.insertConcurrently(pool, insert, values: 8..<16)
        let count = try await pool.perform("count") {
            try $0.query(PostgresStatement("count", "SELECT count(*) FROM t"), operation: "count").int(0, 0)
        }
        #expect(count == 16)
        await pool.stop()
    }

    private static func insertConcurrently(_ pool: PostgresPool, _ insert: PostgresStatement, values: Range<Int>) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for value in values {
                group.addTask { try await pool.perform("insert \(value)") { _ = try $0.query(insert, [.int(value)], operation: "insert") } }
            }
            try await group.waitForAll()
        }
    }

    @Test func aNulInATextValueIsRefusedNotTruncated() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let pool = PostgresPool(settings: PostgresConnectionSettings(url: try await cluster.makeDatabase()), size: 1)
        do {
            _ = try await pool.perform("test") {
                try $0.query(PostgresStatement("echo", "SELECT $1::text"), [.text("a\u{0}b")], operation: "echo").text(0, 0)
            }
            Issue.record("a NUL must not be silently cut off")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22021" && !error.isStorageFailure, "\(error)")
        }
        let echoed = try await pool.perform("test") {
            try $0.query(PostgresStatement("echo", "SELECT $1::text"), [.text("a'b\\c;--")], operation: "echo").text(0, 0)
        }
        #expect(echoed == "a'b\\c;--", "values travel as parameters, never as SQL")
        await pool.stop()
    }
}
