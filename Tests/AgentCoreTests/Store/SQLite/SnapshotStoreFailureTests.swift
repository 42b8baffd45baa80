import CSQLite
import Foundation
import Testing
@testable import AgentCore

@Suite struct SnapshotStoreFailureTests {
    typealias F = StoreFixtures

    private static let bigMessage = ChatMessage.user(String(repeating: "x", count: 256 * 1024))

    @Test func fullDiskFailsWritesKeepsDataDegradesAndRecovers() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            let before: [ChatMessage] = [.user("kept")] + F.toolStep(1)
            try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: before), events: F.events(1...2),
                                                  usage: F.usage(prompt: 1, completion: 1), lastUsedAt: F.start), to: "s1")
            #expect(await store.checkHealth() == .healthy)

            // The file may not grow past its current size: the disk is "full".
            _ = try await store.setMaxPageCount(1)
            let growing = TurnCommit(history: .append(from: 3, messages: [Self.bigMessage]), events: F.events(3...3),
                                     usage: F.usage(prompt: 2, completion: 2), lastUsedAt: F.start)
            do {
                try await store.commitTurn(growing, to: "s1")
                Issue.record("a commit that needs new pages must fail on a full disk")
            } catch let error as StoreError {
                guard case .sqlite(let operation, let code, _, _, _) = error else {
                    Issue.record("expected an SQLite failure, got \(error)")
                    return
                }
                #expect(code & 0xFF == SQLITE_FULL, "expected SQLITE_FULL, got \(code)")
                #expect(operation == "commitTurn(s1)")
                #expect(error.isStorageFailure)
                #expect(error.description.contains("commitTurn(s1)"), "the message names the operation: \(error)")
            }
            guard case .degraded(let reason) = store.health else {
                Issue.record("health must be degraded after a storage failure")
                return
            }
            #expect(reason.contains("full"), "reason: \(reason)")
            #expect(await store.checkHealth() != .healthy, "the probe's write fails while the disk is full")

            let intact = try #require(try await store.loadSession(id: "s1"))
            #expect(intact.history == before, "nothing already stored is damaged")
            #expect(intact.summary.lastSeq == 2)
            #expect(intact.summary.usage == F.usage(prompt: 1, completion: 1))

            // Space comes back: the probe proves it and writes work again.
            _ = try await store.setMaxPageCount(1_073_741_823)
            #expect(await store.checkHealth() == .healthy)
            try await store.commitTurn(growing, to: "s1")
            #expect(try await store.loadSession(id: "s1")?.history == before + [Self.bigMessage])
        }
        // And the file is sound afterwards.
        try await F.withStore(directory) { store in
            let record = try await store.sessionSummary(id: "s1")
            #expect(record?.lastSeq == 3)
        }
    }

    @Test func successfulWriteAloneRestoresHealth() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            _ = try await store.setMaxPageCount(1)
            await #expect(throws: StoreError.self) {
                try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: [Self.bigMessage]), usage: nil,
                                                      lastUsedAt: F.start), to: "s1")
            }
            #expect(!store.health.isHealthy)
            // A write that needs no new page still succeeds on a full disk, and says so.
            try await store.touchSession("s1", at: F.start.addingTimeInterval(1))
            #expect(store.health == .healthy)
        }
    }

    @Test func deletedDatabaseFileDegradesAndRefusesWrites() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: directory.databasePath + suffix)
            }
            guard case .degraded(let reason) = await store.checkHealth() else {
                Issue.record("health must notice the file is gone")
                return
            }
            #expect(reason.contains(directory.databasePath))
            do {
                try await store.appendEvents(F.events(1...1), to: "s1")
                Issue.record("writing to a deleted database must fail, not vanish into an unlinked file")
            } catch StoreError.databaseFileMissing(let path) {
                #expect(path == directory.databasePath)
            }
        }
    }

    /// As root, permission bits do not stop writes; the immutable attribute does.
    @Test func readOnlyFileStartsDegradedServesReadsAndResumesWhenWritable() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in try await store.createSession(F.header("s1")) }
        try #require(Self.chattr("+i", directory.databasePath), "chattr +i makes a file read-only even for root")
        var immutable = true
        defer { if immutable { _ = Self.chattr("-i", directory.databasePath) } }
        try await F.withStore(directory) { store in
            #expect(store.health == .degraded(reason: StoreError.readOnly(path: directory.databasePath).description),
                    "a read-only store is degraded from the start, before any write fails")
            let record = try await store.sessionSummary(id: "s1")
            #expect(record != nil, "stored data stays readable")
            do {
                try await store.touchSession("s1", at: F.start.addingTimeInterval(5))
                Issue.record("a write to a read-only file must fail")
            } catch let error as StoreError {
                #expect(error.isStorageFailure)
                #expect(error.description.contains("readonly"), "got: \(error)")
            }
            #expect(await store.checkHealth() != .healthy)

            #expect(Self.chattr("-i", directory.databasePath))
            immutable = false
            #expect(await store.checkHealth() == .healthy, "the probe reopens the file once it is writable")
            #expect(try await store.touchSession("s1", at: F.start.addingTimeInterval(5)))
            let touched = try await store.sessionSummary(id: "s1")
            #expect(touched?.lastUsedAt == F.start.addingTimeInterval(5))
        }
    }

    /// Issue 12 #11: a memory-mapped `-shm` made unwritable killed the SQLite thread with SIGBUS.
    /// The store keeps its WAL index in heap memory, so it maps no `-shm` at all, and one left
    /// next to it (from an older version, or planted) is never touched, even when immutable.
    @Test func anUnwritableShmFileNeitherCrashesNorStopsTheStore() async throws {
        let directory = try TemporaryDirectory()
        let shm = directory.databasePath + "-shm"
        var immutable = false
        defer { if immutable { _ = Self.chattr("-i", shm) } }
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            #expect(!FileManager.default.fileExists(atPath: shm), "no -shm is created, so none is mapped")
            #expect(FileManager.default.createFile(atPath: shm, contents: Data(count: 32_768)))
            immutable = Self.chattr("+i", shm)
            try #require(immutable, "chattr +i makes the -shm unwritable even for root")
            for seq in 1...50 {
                try await store.appendEvents(F.events(Int64(seq)...Int64(seq)), to: "s1")
            }
            #expect(try await store.sessionSummary(id: "s1")?.lastSeq == 50)
            #expect(await store.checkHealth() == .healthy)
        }
        // Opening with the immutable -shm in place works too.
        try await F.withStore(directory) { store in
            #expect(try await store.events(sessionId: "s1", after: 0, limit: 100).count == 50)
            try await store.touchSession("s1", at: F.start.addingTimeInterval(1))
            #expect(await store.checkHealth() == .healthy)
        }
    }

    /// Issue 12 #11: commits land in the WAL and only checkpoints write the database file, so an
    /// unwritable database file went unnoticed (healthy) while the WAL grew. The probe notices.
    @Test func anUnwritableDatabaseFileAloneDegradesHealthUntilItIsWritable() async throws {
        let directory = try TemporaryDirectory()
        var immutable = false
        defer { if immutable { _ = Self.chattr("-i", directory.databasePath) } }
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            #expect(await store.checkHealth() == .healthy)
            immutable = Self.chattr("+i", directory.databasePath)
            try #require(immutable)
            guard case .degraded(let reason) = await store.checkHealth() else {
                Issue.record("an unwritable database file must degrade health")
                return
            }
            #expect(reason.contains(directory.databasePath), "the reason names the file: \(reason)")
            #expect(Self.chattr("-i", directory.databasePath))
            immutable = false
            #expect(await store.checkHealth() == .healthy, "writable again: the probe's checkpoint succeeds")
            try await store.touchSession("s1", at: F.start.addingTimeInterval(2))
        }
        try await F.withStore(directory) { store in
            let record = try await store.sessionSummary(id: "s1")
            #expect(record?.lastUsedAt == F.start.addingTimeInterval(2))
        }
    }

    /// The store is opened exclusively: a second process on the same file is refused at start
    /// with a message that says why, instead of two writers sharing the sessions.
    @Test func aSecondStoreOnTheSameFileIsRefusedAsInUse() async throws {
        let directory = try TemporaryDirectory()
        try await F.withStore(directory) { store in
            try await store.createSession(F.header("s1"))
            do {
                let second = try await SQLiteSessionStore(settings: F.settings(directory))
                await second.close()
                Issue.record("a second store on an open file must be refused")
            } catch StoreError.inUse(let path) {
                #expect(path == directory.databasePath)
            }
            #expect(try await store.sessionSummary(id: "s1") != nil, "the first one is unaffected")
        }
    }

    private static func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
