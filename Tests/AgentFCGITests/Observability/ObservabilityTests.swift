import AgentCore
import AgentTestSupport
import Foundation
import Logging
import Synchronization
import Testing
@testable import AgentFCGI

/// Route templates, access-log fields and the command line.
@Suite struct ObservabilityTests {
    func router() -> Router {
        var router = Router()
        router.get("/ping") { _ in .text("pong") }
        router.get("/sessions/{id}") { _ in .text("get") }
        router.delete("/sessions/{id}") { _ in .text("delete") }
        router.get("/sessions/{id}/events") { _ in .text("events") }
        return router
    }

    /// A path resolves to its route template and parameters; a wrong method keeps the template; unknown is nil.
    @Test func routeTemplates() {
        let router = router()
        #expect(router.match(method: "GET", path: "/sessions/abc") == .init(template: "/sessions/{id}", parameters: ["id": "abc"]))
        #expect(router.match(method: "DELETE", path: "/sessions/abc")?.template == "/sessions/{id}")
        #expect(router.match(method: "HEAD", path: "/sessions/x/events")?.template == "/sessions/{id}/events")
        #expect(router.match(method: "PUT", path: "/sessions/abc")?.template == "/sessions/{id}")
        #expect(router.match(method: "GET", path: "/sessions/abc/other") == nil)
        #expect(router.match(method: "GET", path: "/") == nil)
    }

    /// The access line has every field, leaves out an absent session and owner, and cuts long paths.
    @Test func accessLogFields() {
        var entry = AccessLog.Entry(method: "POST", path: "/agent/query-stream", route: "/agent/query-stream", status: 200,
                                    bytes: 1834, seconds: 2.4116, sessionId: "s-1", owner: "alice", events: 14, end: "complete")
        let metadata = AccessLog.metadata(entry)
        let expected: [String: String] = ["method": "POST", "path": "/agent/query-stream", "route": "/agent/query-stream",
                                          "status": "200", "bytes": "1834", "duration": "2.412", "session_id": "s-1",
                                          "owner": "alice", "events": "14", "end": "complete"]
        #expect(metadata.mapValues { $0.description } == expected)
        entry.sessionId = nil
        entry.owner = nil
        entry.path = "/" + String(repeating: "x", count: 5000)
        let short = AccessLog.metadata(entry)
        #expect(short["session_id"] == nil && short["owner"] == nil)
        #expect(short["path"]!.description.count == AccessLog.maxPathLength + 1)
    }

    /// --help names every option and flag the command declares.
    @Test func helpListsEveryFlag() {
        let help = AgentFCGICommand.helpMessage(columns: 200)
        let declared = Mirror(reflecting: AgentFCGICommand()).children.compactMap(\.label).map { label in
            // `_socketGroup` → `--socket-group`
            "--" + label.dropFirst().reduce(into: "") { name, character in
                if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
            }
        }
        #expect(declared.count >= 15, "\(declared)")
        for flag in declared {
            #expect(help.contains(flag), "--help does not list \(flag)")
        }
        #expect(help.contains("--version") && help.contains("--help"))
    }

    /// The systemd unit's ExecStart and ExecReload flags are ones agent-fcgi accepts.
    @Test func unitFlagsParse() throws {
        let root = TestEnvironment.packageRoot
        let unit = try String(contentsOf: root.appendingPathComponent("conf/agent-fcgi.service"), encoding: .utf8)
            .replacingOccurrences(of: "\\\n", with: " ")
        let commands = unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") || $0.hasPrefix("ExecReload=") }
            .map { $0.split(separator: "=", maxSplits: 1)[1].split(separator: " ").map(String.init) }
            .filter { $0.first == "/usr/local/bin/agent-fcgi" }
        #expect(commands.count == 2, "\(commands)")
        for command in commands {
            #expect(throws: Never.self, "\(command)") { _ = try AgentFCGICommand.parse(Array(command.dropFirst())) }
        }
    }

    /// The shared log level round-trips every level.
    @Test func logLevelBox() {
        let box = LogLevelBox(.warning)
        #expect(box.level == .warning)
        for level in Logger.Level.allCases {
            box.level = level
            #expect(box.level == level)
        }
    }

    /// The stored-session count answers concurrent /health calls, is reused while fresh, and a failed fetch is nil.
    @Test func storedCountCache() async {
        // A long freshness window: on a loaded machine the 50 callers can take longer than the
        // production 2 s, which would make "reused while fresh" a race with the clock.
        let cache = StoredCountCache(maxAgeSeconds: 600)
        final class Fetches: Sendable {
            let count = Atomic<Int>(0)
            func add() { count.add(1, ordering: .relaxed) }
            var value: Int { count.load(ordering: .relaxed) }
        }
        let fetches = Fetches()
        let counts = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await cache.value {
                        fetches.add()
                        try await Task.sleep(for: .milliseconds(50))
                        return 7
                    }
                }
            }
            return await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        // Before any count exists, callers that lose the race to refresh fetch for themselves.
        #expect(counts.allSatisfy { $0 == 7 })
        let before = fetches.value
        #expect(await cache.value { fetches.add(); return 8 } == 7)
        #expect(fetches.value == before, "a fresh count is reused")
        let failed = StoredCountCache()
        #expect(await failed.value { throw CancellationError() } == nil)
    }

    /// Durations are written with three decimals, rounded.
    @Test func durationText() {
        #expect(AccessLog.seconds(2.412) == "2.412")
        #expect(AccessLog.seconds(0.0004) == "0.000")
        #expect(AccessLog.seconds(0.0506) == "0.051")
        #expect(AccessLog.seconds(12.9999) == "13.000")
        #expect(AccessLog.seconds(3600) == "3600.000")
    }

    /// Logfmt and json escape every Unicode line separator and control character.
    ///
    /// Issue 12 #12: a value carrying any line break (U+0085, U+2028, U+2029, C0 and C1 controls)
    /// cannot make a reader that splits on Unicode line breaks see a second, forged line.
    @Test(arguments: LogFormat.allCases) func logLinesCannotBeForged(format: LogFormat) throws {
        let path = NSTemporaryDirectory() + "agent-fcgi-logline-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try LogSink(path: path)
        let handler = LineLogHandler(label: "test", format: format, sink: sink, levelBox: LogLevelBox(.info))
        let forged = "a\u{85}ts=x level=error msg=forged\u{2028}b\u{2029}c\u{1C}d\u{7F}e\u{9B}f\u{0B}g\r\nh"
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .info
        logger.info("\(forged)", metadata: ["path": "\(forged)", "plain": "ok"])
        logger.info("second")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline)
        #expect(lines.count == 2, "one line per event, whatever the values hold: \(lines)")
        #expect(text.split(separator: "\n").allSatisfy { !$0.unicodeScalars.contains { JSONValue.needsEscape($0) } },
                "no raw control character left: \(text.debugDescription)")
        let first = String(lines[0])
        switch format {
        case .json:
            let object = try JSONValue.parse(first)
            #expect(object["msg"]?.stringValue == forged && object["path"]?.stringValue == forged, "round-trips: \(first)")
        case .logfmt:
            #expect(first.contains(#"path="a\u0085ts=x level=error msg=forged\u2028b\u2029c\u001cd\u007fe\u009bf\u000bg\r\nh""#),
                    "\(first)")
            #expect(first.contains(" plain=ok"))
        }
    }
}
