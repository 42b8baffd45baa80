// store-bench: commit latency of a session store, one backend per run, bounded in size.
//
//   store-bench sqlite PATH        [--commits N] [--concurrency C]
//   store-bench postgresql URL     [--commits N] [--concurrency C] [--pool-size P]
//
// Each commit is what an agent step writes: two messages (a tool call and its result), eight
// events and the usage, through `SessionStore.commitTurn`, timed from the caller's side.
// Reports p50/p90/p99/max for one session committing alone (idle latency), then for C
// sessions committing at once (grouped into shared transactions where the store does group
// commit), then the reload of a 20-message history (an idle session's next query). scripts/bench-store runs it against both backends.
import AgentCore
import Foundation

struct Options {
    var backend = ""
    var target = ""
    var commits = 2000
    var concurrency = 16
    var poolSize = 4

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        backend = rest.popFirst() ?? ""
        target = rest.popFirst() ?? ""
        while let flag = rest.popFirst() {
            let value = Int(rest.popFirst() ?? "") ?? 0
            switch flag {
            case "--commits": commits = max(10, value)
            case "--concurrency": concurrency = max(1, value)
            case "--pool-size": poolSize = max(1, value)
            default: fail("unknown flag \(flag)")
            }
        }
        guard ["sqlite", "postgresql"].contains(backend), !target.isEmpty else {
            fail("usage: store-bench sqlite PATH | postgresql URL [--commits N] [--concurrency C] [--pool-size P]")
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("store-bench: \(message)\n".utf8))
    exit(2)
}

func step(_ n: Int) -> [ChatMessage] {
    [.assistant("", toolCalls: [ToolCall(id: "call\(n)", name: "read", arguments: #"{"path":"notes/\#(n).md"}"#)]),
     .toolResult(callId: "call\(n)", name: "read", content: String(repeating: "line of file \(n)\n", count: 20))]
}

func usage(_ n: Int) -> SessionUsage {
    var model = ModelUsage(model: "gpt-bench")
    model.promptTokens = 1000 * n
    model.completionTokens = 50 * n
    model.invocations = n
    var usage = SessionUsage()
    usage.byModel["gpt-bench"] = model
    return usage
}

/// Commits `count` steps to one new session; returns each commit's duration in microseconds.
func commitSteps(_ store: any SessionStore, session: String, count: Int) async throws -> [Double] {
    try await store.createSession(SessionHeader(id: session, owner: nil, createdAt: Date(), systemPrompt: nil))
    var durations: [Double] = []
    var seq: Int64 = 0
    for n in 0..<count {
        let events = (0..<8).map { index -> StampedEvent in
            seq += 1
            return StampedEvent(event: .textDelta(delta: "token \(index) "), timestamp: Date(), sessionId: session,
                                queryId: "q", seq: seq)
        }
        let commit = TurnCommit(history: .append(from: n * 2, messages: step(n)), events: events, usage: usage(n + 1),
                                lastUsedAt: Date(), query: .running(queryId: "q"))
        let started = ContinuousClock.now
        try await store.commitTurn(commit, to: session)
        let elapsed = (ContinuousClock.now - started).components
        durations.append(Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12)
    }
    return durations
}

func report(_ label: String, _ durations: [Double], wall: Duration) {
    let sorted = durations.sorted()
    func quantile(_ q: Double) -> String {
        String(Int(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))].rounded()))
    }
    let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    print("\(label): \(sorted.count) commits, p50 \(quantile(0.5)) µs, p90 \(quantile(0.9)) µs, "
          + "p99 \(quantile(0.99)) µs, max \(Int(sorted.last ?? 0)) µs, \(Int(Double(sorted.count) / seconds)) commits/s")
}

func reportLoads(_ label: String, _ durations: [Double], wall: Duration) {
    let sorted = durations.sorted()
    func quantile(_ q: Double) -> String {
        String(Int(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))].rounded()))
    }
    print("\(label): \(sorted.count) loads, p50 \(quantile(0.5)) µs, p90 \(quantile(0.9)) µs, "
          + "p99 \(quantile(0.99)) µs, max \(Int(sorted.last ?? 0)) µs")
}

let options = Options(CommandLine.arguments)
let store: any SessionStore = switch options.backend {
case "sqlite":
    try await SQLiteSessionStore(settings: .init(path: options.target))
default:
    try await PostgresSessionStore(settings: .init(
        connection: PostgresConnectionSettings(url: options.target), poolSize: options.poolSize))
}
let run = UUID().uuidString.prefix(8)
// Warm-up: connections, prepared statements, caches.
_ = try await commitSteps(store, session: "warm-\(run)", count: 50)
var started = ContinuousClock.now
let alone = try await commitSteps(store, session: "alone-\(run)", count: options.commits)
report("\(options.backend) one session", alone, wall: ContinuousClock.now - started)
started = ContinuousClock.now
let together = try await withThrowingTaskGroup(of: [Double].self) { group in
    for index in 0..<options.concurrency {
        group.addTask {
            try await commitSteps(store, session: "many-\(run)-\(index)", count: max(1, options.commits / options.concurrency))
        }
    }
    var all: [Double] = []
    for try await durations in group { all += durations }
    return all
}
report("\(options.backend) \(options.concurrency) sessions at once", together, wall: ContinuousClock.now - started)
if let grouped = (store as? SQLiteSessionStore)?.groupCommitStatistics
    ?? (store as? PostgresSessionStore)?.groupCommitStatistics {
    print("\(options.backend) group commit: \(grouped.commits) commits in \(grouped.batches) transactions, "
          + "largest \(grouped.largestBatch)")
}

/// What an idle session's next query reads back (issue 14 item 8): a 20-message history, loaded
/// `count` times; returns each load's duration in microseconds.
func reloads(_ store: any SessionStore, session: String, count: Int) async throws -> [Double] {
    try await store.createSession(SessionHeader(id: session, owner: nil, createdAt: Date(), systemPrompt: nil))
    let history = (0..<10).flatMap(step)
    try await store.commitTurn(TurnCommit(history: .append(from: 0, messages: history), usage: usage(10),
                                          lastUsedAt: Date(), query: .finished), to: session)
    var durations: [Double] = []
    for _ in 0..<count {
        let started = ContinuousClock.now
        guard let loaded = try await store.loadSession(id: session), loaded.history.count == 20 else {
            fail("reload of \(session) did not return its 20 messages")
        }
        let elapsed = (ContinuousClock.now - started).components
        durations.append(Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12)
    }
    return durations
}
started = ContinuousClock.now
let reloaded = try await reloads(store, session: "reload-\(run)", count: max(10, options.commits / 2))
reportLoads("\(options.backend) reload of a 20-message history", reloaded, wall: ContinuousClock.now - started)
await store.close()
