import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// A crash ends fast and leaves a report.
///
/// Issue 12, finding 2: a fatal error ends the process within a second or two, with a backtrace
/// in the log, under the systemd unit's SWIFT_BACKTRACE setting. Before, the Swift crash handler
/// spent 32 s trying to pause the signal thread.
///
/// The fault is a SIGABRT sent to the worker thread that serves a stream: what `abort()` raises in
/// that thread (libfcgi's failed assertion of finding 1 was exactly that), and what a systemd
/// watchdog or `systemctl kill -s ABRT` sends. It takes the runtime's crash path as any fatal error
/// does, and needs no crash hook in the binary that a client could ever reach.
@Suite struct CrashExitTests {
    /// The unit's `Environment=SWIFT_BACKTRACE=…`, so the test runs what production runs.
    static func unitBacktraceSetting() throws -> String {
        let unit = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("conf/agent-fcgi.service"), encoding: .utf8)
        let prefix = "Environment=SWIFT_BACKTRACE="
        guard let line = unit.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            throw TestFailure("conf/agent-fcgi.service sets no SWIFT_BACKTRACE")
        }
        return String(line.dropFirst(prefix.count))
    }

    /// A worker thread of `pid` busy with a request (not parked in accept), else any worker.
    static func busyWorker(of pid: pid_t) -> pid_t? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let workers = tasks.compactMap { tid -> (pid_t, String)? in
            let base = "/proc/\(pid)/task/\(tid)"
            guard let name = try? String(contentsOfFile: base + "/comm", encoding: .utf8), name.hasPrefix("fcgi-worker"),
                  let id = pid_t(tid) else { return nil }
            return (id, (try? String(contentsOfFile: base + "/wchan", encoding: .utf8)) ?? "")
        }
        return (workers.first { !$0.1.contains("skb_wait") && !$0.1.contains("accept") } ?? workers.first)?.0
    }

    /// SIGABRT in a worker serving a stream: gone within seconds, killed by the signal, report logged, nginx says
    /// 502.
    @Test func abortInWorker() async throws {
        let setting = try Self.unitBacktraceSetting()
        #expect(setting.contains("interactive=no"))
        // 16 workers: the report's cost grows with the thread count (the runtime pauses and lists
        // every thread), and on a test machine running the whole suite at once 270 threads can
        // take it past the 1 s agent-fcgi waits; the path is the same with 256.
        let stack = try await HTTPTestClient.onThread {
            try TestStack(model: .none, arguments: ["--workers", "16"], environment: ["SWIFT_BACKTRACE": setting])
        }
        defer { stack.stop() }
        let client = stack.client
        let stream = Task { try await client.stream("/diagnostics/stream?events=600&interval_ms=100", timeout: 30) }
        var status: JSONValue = .null
        for _ in 0..<200 {
            status = try await client.get("/status").json()
            if status["active_streams"]?.intValue == 1 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let process = stack.responder.process
        let worker = try #require(Self.busyWorker(of: process.pid), "no fcgi-worker thread in /proc/\(process.pid)/task")
        // glibc's tgkill (the Glibc module leaves it out): a signal to that one thread, as abort() raises it.
        let tgkill = unsafeBitCast(try #require(dlsym(dlopen(nil, RTLD_NOW), "tgkill")),
                                   to: (@convention(c) (pid_t, pid_t, Int32) -> Int32).self)
        let signalled = Date()
        #expect(tgkill(process.pid, worker, SIGABRT) == 0)
        let code = try await HTTPTestClient.onThread { process.waitForExit(timeout: 10) }
        let seconds = Date().timeIntervalSince(signalled)
        #expect(code == 128 + SIGABRT, "died of the signal (a core dump where enabled), not a clean exit: \(String(describing: code))")
        // The product's bound is the report deadline (1 s, checked below: no "took longer than").
        // The wall clock only catches the hang this test was written for (32 s: the report
        // waited on threads that never answered); teardown and this test's own wake-up on a
        // machine running the whole suite in parallel have taken up to 4 s, so the bound is loose.
        #expect(seconds < 10, "gone \(seconds) s after the fault")
        let log = process.log
        // The unit's report: the cause, the crashed thread by name, its frames (addresses: the unit
        // turns symbol lookup off, see conf/agent-fcgi.service) and registers.
        #expect(log.contains("*** Program crashed: Aborted"), "\(log.suffix(4000))")
        #expect(log.contains("\"fcgi-worker-") && log.contains("crashed:"), "the crashed thread by name: \(log.suffix(4000))")
        #expect(log.contains("\n0 ") || log.contains("\n  0 "), "its frames: \(log.suffix(4000))")
        #expect(log.contains("Registers:") && log.contains("Backtrace took"), "the whole report: \(log.suffix(4000))")
        #expect(!log.contains("failed to suspend") && !log.contains("took longer than"), "\(log.suffix(4000))")
        let cut = try await stream.value
        #expect(cut.comments.last != ": done", "the stream was cut, not finished")
        let after = try await client.get("/ping")
        #expect(after.status == 502, "nginx answers at once for a dead responder: \(after.status)")
        print("crash: SIGABRT to worker thread \(worker); process gone after \(String(format: "%.2f", seconds)) s")
    }
}
