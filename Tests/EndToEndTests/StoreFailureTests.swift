import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Durability: store failure.
///
/// The store becoming unwritable under a running responder, made so from outside the process:
/// `chattr +i` on the database and its WAL makes every write fail with EPERM, even for root and
/// through descriptors already open. (The store maps no -shm: its WAL index is in memory.)
@Suite struct StoreFailureTests {
    /// Unwritable store: /health degraded, 503 before the LLM is called, data intact, service resumes.
    @Test func unwritableStore() async throws {
        let stack = try TestStack()
        defer { stack.stop() }
        let first = try await stack.postJSON("/agent/query", ["message": "before", "session_id": "sf-1"])
        #expect(first.status == 200, "\(first.text)")
        #expect(try await stack.getJSON("/health")["status"] == "healthy")

        let files = [stack.storePath, stack.storePath + "-wal"]
        try #require(files.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(Self.chattr("+i", files))
        var immutable = true
        defer { if immutable { _ = Self.chattr("-i", files) } }

        #expect(try await Self.waitForHealth("degraded", stack), "\(stack.responderLog)")
        let status = try await stack.getJSON("/status")
        #expect(status["store"]?["writable"] == false)
        #expect(status["store"]?["problem"]?.stringValue?.isEmpty == false, "\(status)")

        let requestsBefore = try await stack.llm.requests().count
        let refused = try await stack.postJSON("/agent/query", ["message": "during", "session_id": "sf-1"])
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.headers["retry-after"] != nil)
        let detail = try refused.json()["detail"]?.stringValue ?? ""
        #expect(detail.contains("store unavailable"), "a clear reason: \(detail)")
        let refusedStream = try await stack.postJSON("/agent/query-stream", ["message": "new session"])
        #expect(refusedStream.status == 503, "\(refusedStream.text)")
        #expect(try await stack.llm.requests().count == requestsBefore, "the LLM must not be called for a turn that cannot be saved")
        // Issue 12 #10: DELETE is a write like the others: 503 + Retry-After, and nothing is deleted.
        let delete = try await stack.client.request("DELETE", "/sessions/sf-1")
        #expect(delete.status == 503, "\(delete.status) \(delete.text)")
        #expect(delete.headers["retry-after"] != nil, "\(delete.headers)")
        #expect(try delete.json()["detail"]?.stringValue?.contains("store unavailable") == true, "\(delete.text)")

        // Reads still work, and what was stored is intact.
        let kept = try await stack.getJSON("/sessions/sf-1/messages")
        #expect(kept["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["before", "echo: before"])

        #expect(Self.chattr("-i", files))
        immutable = false
        #expect(try await Self.waitForHealth("healthy", stack), "\(stack.responderLog)")
        let again = try await stack.postJSON("/agent/query", ["message": "after", "session_id": "sf-1"])
        #expect(again.status == 200, "\(again.text)")
        #expect(try again.json()["response"] == "echo: after")

        // And on disk: sound, with both turns, after a restart.
        try stack.restartResponder()
        let restored = try await stack.getJSON("/sessions/sf-1/messages")
        #expect(restored["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
                == ["before", "echo: before", "after", "echo: after"])
        stack.stopResponder()
        #expect(try stack.sqlite("PRAGMA integrity_check") == "ok")
    }

    /// Unwritable database file alone: /health degraded; an immutable -shm kills nothing; service resumes.
    ///
    /// Issue 12 #11: only the database file becomes unwritable (its WAL still takes commits, so
    /// nothing failed before and the WAL grew unseen), and an immutable `-shm` sits next to it
    /// (a mapped one killed the process with SIGBUS). /health notices the first; the second
    /// changes nothing; the responder lives through both and resumes.
    @Test func unwritableDatabaseFileAndShm() async throws {
        let stack = try TestStack()
        defer { stack.stop() }
        let first = try await stack.postJSON("/agent/query", ["message": "before", "session_id": "sf-2"])
        #expect(first.status == 200, "\(first.text)")
        let shm = stack.storePath + "-shm"
        #expect(!FileManager.default.fileExists(atPath: shm), "the store maps no -shm")
        #expect(FileManager.default.createFile(atPath: shm, contents: Data(count: 32_768)))
        #expect(Self.chattr("+i", [stack.storePath, shm]))
        var immutable = true
        defer { if immutable { _ = Self.chattr("-i", [stack.storePath, shm]) } }

        #expect(try await Self.waitForHealth("degraded", stack), "\(stack.responderLog.suffix(2000))")
        let problem = try await stack.getJSON("/status")["store"]?["problem"]?.stringValue ?? ""
        #expect(problem.contains(stack.storePath), "the problem names the file: \(problem)")
        let refused = try await stack.postJSON("/agent/query", ["message": "during", "session_id": "sf-2"])
        #expect(refused.status == 503, "\(refused.text)")
        #expect(try await stack.getJSON("/sessions/sf-2")["message_count"] == 2, "reads work")

        #expect(Self.chattr("-i", [stack.storePath, shm]))
        immutable = false
        #expect(try await Self.waitForHealth("healthy", stack), "\(stack.responderLog.suffix(2000))")
        let again = try await stack.postJSON("/agent/query", ["message": "after", "session_id": "sf-2"])
        #expect(again.status == 200, "\(again.text)")
        try stack.restartResponder()
        let restored = try await stack.getJSON("/sessions/sf-2/messages")
        #expect(restored["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
                == ["before", "echo: before", "after", "echo: after"])
        stack.stopResponder()
        #expect(try stack.sqlite("PRAGMA integrity_check") == "ok")
    }

    /// Polls `/health` (it probes the store at most once a second) until `status`.
    static func waitForHealth(_ status: String, _ stack: TestStack, timeout: Double = 15) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await stack.getJSON("/health")["status"]?.stringValue == status { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    static func chattr(_ flag: String, _ paths: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.executable("chattr") ?? "/usr/bin/chattr")
        process.arguments = [flag] + paths
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
