import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Durability: a full disk during a turn.
///
/// Issue 12 #5 end to end, on a disk that really fills up: the store lives on a small tmpfs,
/// a filler file takes the rest, and a turn too big for what is left cannot be committed. The
/// client is told nothing was kept, and nothing was: not in reads, not in the next model call,
/// not after a graceful restart.
@Suite struct FullDiskTests {
    /// Needs fresh space in the WAL wherever it goes.
    static let bigMessage = String(repeating: "x", count: 300_000)

    /// A turn whose commit fails on a full disk is rolled back: 503 / error event say nothing was kept.
    @Test func fullDiskTurnLeavesHistoryUnchanged() async throws {
        let disk = try SmallDisk(megabytes: 8)
        defer { disk.remove() }
        let stack = try TestStack(storeDirectory: disk.path)
        defer { stack.stop() }
        let first = try await stack.postJSON("/agent/query", ["message": "before", "session_id": "fd-1"])
        #expect(first.status == 200, "\(first.text)")

        // Room for the small writes that start a query, not for a 300 KB turn.
        try disk.fill(leaving: 128 * 1024)
        let requestsBefore = try await stack.llm.requests().count
        let blocking = try await stack.postJSON("/agent/query", ["message": .string(Self.bigMessage), "session_id": "fd-1"])
        #expect(try await stack.llm.requests().count == requestsBefore + 1, "admission passed: the model was called")
        #expect(blocking.status == 503, "\(blocking.status) \(blocking.text.prefix(400))\n\(stack.responderLog.suffix(2000))")
        #expect(blocking.headers["retry-after"] != nil)
        let detail = try blocking.json()["detail"]?.stringValue ?? ""
        #expect(detail.contains("nothing of this turn was kept"), "\(detail.prefix(400))")

        // The store takes small writes again (its probe proves it), so the stream is admitted
        // and fails the same way, mid-turn.
        #expect(try await StoreFailureTests.waitForHealth("healthy", stack), "\(stack.responderLog.suffix(2000))")
        let streamed = try await stack.client.stream(
            "/agent/query-stream", method: "POST", headers: [("Content-Type", "application/json")],
            body: Data(JSONValue.object(["message": .string(Self.bigMessage), "session_id": "fd-1"]).serialized().utf8))
        #expect(streamed.status == 200, "\(streamed.status)")
        let events = try streamed.eventObjects()
        let error = events.first { $0["type"] == "error" }
        #expect(error?["error"]?.stringValue?.contains("nothing of this turn was kept") == true,
                "the stream's error says so: \(String(describing: error?["error"]?.stringValue?.prefix(300)))")
        #expect(events.last?["type"] == "usage" && streamed.endsWithDone)
        #expect(!events.contains { $0["type"] == "final" }, "exactly one terminal event, the error")

        // Reads answer from what is stored.
        let kept = try await stack.getJSON("/sessions/fd-1/messages")
        #expect(kept["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["before", "echo: before"])
        #expect(try await stack.getJSON("/sessions/fd-1")["message_count"] == 2)

        // Space again: the next model call sees only the stored history.
        disk.emptyFiller()
        #expect(try await StoreFailureTests.waitForHealth("healthy", stack), "\(stack.responderLog.suffix(2000))")
        let again = try await stack.postJSON("/agent/query", ["message": "after", "session_id": "fd-1"])
        #expect(again.status == 200, "\(again.text)")
        let sent = try await stack.llm.requests().last?["body"]?["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
        #expect(sent?.contains(Self.bigMessage) == false && sent?.suffix(3) == ["before", "echo: before", "after"],
                "the model never saw the failed turn: \(String(describing: sent?.map { $0.prefix(20) }))")

        // A graceful restart writes nothing of it either.
        try stack.restartResponder()
        let restored = try await stack.getJSON("/sessions/fd-1/messages")
        #expect(restored["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
                == ["before", "echo: before", "after", "echo: after"])
        stack.stopResponder()
    }
}

/// A tmpfs of a few megabytes on a fresh directory: a disk that really fills up (needs root,
/// which `make test` has). `fill(leaving:)` takes the free space with a filler file.
final class SmallDisk: Sendable {
    let path: String

    init(megabytes: Int) throws {
        path = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-small-disk")
        let mount = try #require(TestEnvironment.executable("mount"))
        let log = path + ".mount.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try ManagedProcess(mount, ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path], logPath: log)
        guard process.waitForExit(timeout: 10) == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw TestFailure("mounting a tmpfs failed (the full-disk test needs root): \(process.log)")
        }
    }

    var fillerPath: String { path + "/filler" }

    /// Writes zeroes until the disk is full, then gives `bytes` back.
    func fill(leaving bytes: Int) throws {
        let fd = open(fillerPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(fillerPath)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        var written = 0
        while true {
            let count = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            written += count
        }
        guard errno == ENOSPC else { throw TestFailure("filling stopped with errno \(errno), not ENOSPC") }
        guard ftruncate(fd, off_t(max(0, written - bytes))) == 0 else { throw TestFailure("cannot shrink the filler") }
    }

    func emptyFiller() {
        try? FileManager.default.removeItem(atPath: fillerPath)
    }

    func remove() {
        if let umount = TestEnvironment.executable("umount"),
           let process = try? ManagedProcess(umount, ["-l", path], logPath: "/dev/null") {
            _ = process.waitForExit(timeout: 10)
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
