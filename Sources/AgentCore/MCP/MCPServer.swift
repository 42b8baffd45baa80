import Foundation
import Logging
import MCP
import Synchronization

/// One configured MCP server, supervised: connected at start, reconnected (its process
/// restarted) with backoff whenever it goes away, its last known tool list kept meanwhile and
/// refreshed on `notifications/tools/list_changed`. Calls wait for a connection that is being
/// made (never longer than `startup_timeout_seconds`), and a call whose connection dies is tried
/// once more on the next one, which all such calls share.
///
/// Threading: Sendable; state behind one lock, never held across a suspension. The supervisor
/// is one task; calls run in the callers' tasks. Nothing blocks a thread.
public final class MCPServer: Sendable {
    public enum Phase: String, Sendable {
        case starting, up, down, stopped
    }

    struct State {
        var phase = Phase.starting
        var connection: MCPConnection?
        var tools: [MCPToolInfo] = []
        var lastError: String?
        var attempts = 0
        var upSince: ContinuousClock.Instant?
        var waiters: [UInt64: CheckedContinuation<MCPConnection?, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var supervisor: Task<Void, Never>?
        var refreshing = false
        var refreshAgain = false
        /// A working connection just died and the supervisor is about to reconnect: calls wait for it.
        var awaitingReconnect = false
        /// When the last failed attempt ended (calls may wake the backoff a second later).
        var lastFailure: ContinuousClock.Instant?
        /// The supervisor's backoff pause, resumed early by a call that needs the server.
        var pause: CheckedContinuation<Void, Never>?
    }

    public let spec: MCPServerSpec
    let stats = MCPServerStats()
    let logger: Logger
    private let environment: [String: String]
    let state = Mutex(State())

    /// `environment` is what `env_allow` picks from (the process environment by default).
    public init(spec: MCPServerSpec, environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "agent-fcgi.mcp")) {
        self.spec = spec
        self.environment = environment
        var logger = logger
        logger[metadataKey: "mcp_server"] = "\(spec.name)"
        self.logger = logger
    }

    public var name: String { spec.name }
    public var phase: Phase { state.withLock { $0.phase } }

    /// The tools offered from the last known list (include/exclude applied).
    public var tools: [MCPToolInfo] {
        state.withLock { $0.tools }.filter { spec.offers($0.name) }
    }

    public var status: MCPServerStatus {
        let (phase, tools, lastError) = state.withLock { ($0.phase, $0.tools, $0.lastError) }
        return MCPServerStatus(
            name: spec.name, transport: spec.transport.name, state: phase.rawValue, required: spec.required,
            tools: tools.filter { spec.offers($0.name) }.count, calls: stats.calls.load(ordering: .relaxed),
            errors: stats.errors.load(ordering: .relaxed), restarts: stats.restarts.load(ordering: .relaxed),
            latencyP50Milliseconds: stats.latency(percentile: 0.5), latencyP95Milliseconds: stats.latency(percentile: 0.95),
            lastError: lastError)
    }

    /// The running stdio server's process id (tests kill it to play a crash).
    var processID: Int32? {
        get async { await state.withLock { $0.connection }?.processID }
    }

    /// Starts the supervisor (idempotent).
    public func start() {
        state.withLock { state in
            guard state.supervisor == nil, state.phase != .stopped else { return }
            state.supervisor = Task { await self.supervise() }
        }
    }

    /// Returns once the first connection attempt succeeded or failed. The attempt is itself
    /// bounded by the startup timeout; the slack covers spawning and tearing down the child on
    /// a loaded machine, where 2 s proved too little for the attempt to report its failure.
    public func waitUntilSettled() async {
        if state.withLock({ $0.attempts > 0 || $0.phase == .stopped }) { return }
        _ = await waitForConnection(waitForAttempt: true, timeout: spec.startupTimeout + .seconds(10))
    }

    /// Ends the session and stops the process (waiting for it); calls still running fail.
    public func stop() async {
        let task = state.withLock { state -> Task<Void, Never>? in
            if state.supervisor == nil { state.phase = .stopped }
            return state.supervisor
        }
        task?.cancel()
        await task?.value
    }

    /// The delay before connection attempt number `failures` + 1 after that many failures in a row:
    /// 0.25 s doubling to 10 s. A call that needs the server cuts the wait short (`wake`).
    static func backoff(_ failures: Int) -> Duration {
        failures <= 0 ? .zero : .milliseconds(min(10_000, 250 << min(failures - 1, 10)))
    }

    /// Sleeps `delay` unless woken by a call or cancelled.
    private func pause(for delay: Duration) async {
        let timer = Task { [weak self] in
            guard (try? await CancellableSleep.sleep(for: delay)) != nil else { return }
            self?.wake()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.pause = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    func wake() {
        state.withLock { state in
            defer { state.pause = nil }
            return state.pause
        }?.resume()
    }

    private func supervise() async {
        var failures = 0
        var attempt = 0
        while !Task.isCancelled {
            if failures > 0 {
                await pause(for: Self.backoff(failures))
                if Task.isCancelled { break }
            }
            if attempt > 0 { stats.restarts.add(1, ordering: .relaxed) }
            attempt += 1
            state.withLock { $0.phase = .starting }
            let opened = ContinuousClock.now
            do {
                let connection = try await MCPConnection.open(spec, serverEnvironment: environment, logger: logger,
                                                              onToolsChanged: { [weak self] in self?.refreshTools() })
                let listed: [MCP.Tool]
                do {
                    listed = try await connection.listTools(within: spec.startupTimeout)
                } catch {
                    await connection.close()
                    throw error
                }
                becomeUp(connection, tools: listed.map(Self.info))
                let reason = await withTaskCancellationHandler {
                    await connection.waitForDeath()
                } onCancel: {
                    Task { await connection.close() }
                }
                await connection.close()
                if Task.isCancelled { break }
                // A server that stayed up a while is reconnected at once; one that keeps dying backs off.
                failures = opened.duration(to: .now) >= .seconds(10) ? 0 : failures + 1
                becomeDown(reason, failedAttempt: false)
            } catch {
                failures += 1
                becomeDown("\(error)", failedAttempt: true)
            }
        }
        let waiters = state.withLock { state in
            state.phase = .stopped
            state.connection = nil
            state.attempts += 1
            defer { state.waiters = [:] }
            return state.waiters
        }
        waiters.values.forEach { $0.resume(returning: nil) }
        logger.info("MCP server stopped")
    }

    private func becomeUp(_ connection: MCPConnection, tools: [MCPToolInfo]) {
        let waiters = state.withLock { state in
            state.phase = .up
            state.connection = connection
            state.tools = tools
            state.lastError = nil
            state.awaitingReconnect = false
            state.attempts += 1
            state.upSince = .now
            defer { state.waiters = [:] }
            return state.waiters
        }
        waiters.values.forEach { $0.resume(returning: connection) }
        logger.notice("MCP server up", metadata: ["transport": "\(spec.transport.name)", "tools": "\(tools.count)",
                                                  "offered": "\(tools.filter { spec.offers($0.name) }.count)"])
    }

    /// After a failed attempt the waiting calls give up; after the death of a working connection
    /// they wait for the reconnect that follows.
    private func becomeDown(_ reason: String, failedAttempt: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<MCPConnection?, Never>] in
            state.phase = .down
            state.connection = nil
            state.lastError = reason
            state.upSince = nil
            state.awaitingReconnect = !failedAttempt
            guard failedAttempt else { return [] }
            state.lastFailure = .now
            state.attempts += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(returning: nil) }
        let level: Logger.Level = spec.required ? .error : .warning
        logger.log(level: level, failedAttempt ? "MCP server could not be reached; retrying with backoff"
                                               : "MCP server went away; reconnecting",
                   metadata: ["reason": "\(reason)", "required": "\(spec.required)"])
    }
}
