import CSQLite
import Foundation
import Testing
@testable import AgentCore

@Suite struct SQLiteConnectionTests {
    @Test func typedValuesRoundTripThroughCachedStatements() async throws {
        let directory = try TemporaryDirectory()
        let rows = try await StoreFixtures.withRawConnection(directory.databasePath) { connection in
            try connection.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT)")
            for value in [Int64.min, 0, Int64.max] {
                try connection.run("INSERT INTO t VALUES (?, ?, ?, ?)",
                                   [.integer(value), .real(0.1), .text("é😀\u{0}x"), .null])
            }
            return try connection.rows("SELECT i, r, s, n FROM t ORDER BY i") {
                "\($0.int64(0))|\($0.double(1))|\($0.text(2))|\($0.optionalText(3) ?? "nil")"
            }
        }
        #expect(rows == ["\(Int64.min)|0.1|é😀\u{0}x|nil", "0|0.1|é😀\u{0}x|nil", "\(Int64.max)|0.1|é😀\u{0}x|nil"])
    }

    @Test func errorsCarryCodeMessageAndStatement() async throws {
        let directory = try TemporaryDirectory()
        let error = try await StoreFixtures.withRawConnection(directory.databasePath) { connection -> SQLiteError? in
            try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            try connection.run("INSERT INTO t VALUES (1)")
            do {
                try connection.run("INSERT INTO t VALUES (?)", [.integer(1)])
                return nil
            } catch let error as SQLiteError {
                return error
            }
        }
        let failure = try #require(error, "a duplicate primary key must fail")
        #expect(failure.code == SQLITE_CONSTRAINT | (6 << 8), "SQLITE_CONSTRAINT_PRIMARYKEY expected, got \(failure.code)")
        #expect(failure.message.contains("UNIQUE constraint failed"), "message was: \(failure.message)")
        #expect(failure.sql == "INSERT INTO t VALUES (?)")
        #expect(!failure.isStorageFailure)
    }

    @Test func transactionRollsBackWhenBodyThrows() async throws {
        let directory = try TemporaryDirectory()
        let count = try await StoreFixtures.withRawConnection(directory.databasePath) { connection in
            try connection.execute("CREATE TABLE t (x INTEGER)")
            struct Abort: Error {}
            _ = try? connection.transaction {
                try connection.run("INSERT INTO t VALUES (1)")
                throw Abort()
            }
            try connection.transaction { try connection.run("INSERT INTO t VALUES (2)") }
            return try connection.rows("SELECT x FROM t") { $0.int(0) }
        }
        #expect(count == [2])
    }

    @Test func workRunsSeriallyOnTheDedicatedThread() async throws {
        final class Counter {
            let creator = UInt(pthread_self())
            var value = 0
            var threadIds: Set<UInt> = []
        }
        // The state is made on the new thread, so its creator is that thread.
        let thread = try await SQLiteThread(name: "sqlite-test") { Counter() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await thread.perform { counter in
                        // Unsynchronized read-modify-write: only serial execution keeps the count exact.
                        let seen = counter.value
                        counter.threadIds.insert(UInt(pthread_self()))
                        counter.value = seen + 1
                    }
                }
            }
            try await group.waitForAll()
        }
        let (value, ids, creator) = try await thread.perform { ($0.value, $0.threadIds, $0.creator) }
        #expect(value == 200)
        #expect(ids == [creator], "every job must run on the thread that made the state")
        await thread.stop { _ in }
        await #expect(throws: StoreError.self) { try await thread.perform { _ in 1 } }
    }
}
