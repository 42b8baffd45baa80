import AgentCore
import Foundation
import Synchronization

/// Several responders on one PostgreSQL database behind one nginx made from
/// conf/nginx-fastcgi.conf, and one fake LLM behind them all: the multi-responder tests' world.
/// `port` is the conf's server block with its upstream listing every responder (plain round
/// robin, or the conf's commented `hash $agent_session consistent` block turned on), and
/// `ports[i]` is the same server block passing to responder `i` alone, so a test can send a
/// request "through responder i". nginx runs one worker process, so round robin is one
/// sequence: consecutive requests on `port` go to consecutive responders. Each responder has
/// its own directory (`r0`, `r1`, …), socket, log and `server.instance_id` (`r0`, …); `kill(_:)`
/// and `start(_:)` take one away and bring it back. `stop()` (or deinit) stops everything and
/// removes the directory.
///
/// Thread rule: any thread or task; the responder list is behind a mutex.
public final class ResponderCluster: Sendable {
    public enum Routing: Sendable { case roundRobin, sessionHash }

    public let directory: String
    public let databaseURL: String
    public let count: Int
    public let llm: FakeLLM
    public let nginx: ManagedProcess
    /// The shared upstream.
    public let port: UInt16
    /// One per responder, in order.
    public let ports: [UInt16]
    private let environment: [String: String]
    private let responders: Mutex<[ResponderProcess?]>

    public var client: HTTPTestClient { HTTPTestClient(port: port) }
    public func client(_ responder: Int) -> HTTPTestClient { HTTPTestClient(port: ports[responder]) }
    public var socketPaths: [String] { (0..<count).map { "\(directory)/r\($0)/agent.sock" } }
    /// nginx's log of which responder served each request (`$request_uri [$http_x_session_id] $upstream_addr`).
    public var upstreamLog: String { (try? String(contentsOfFile: directory + "/upstream.log", encoding: .utf8)) ?? "" }
    /// Responder `index`'s log, across restarts (the file is appended to).
    public func responderLog(_ index: Int) -> String {
        (try? String(contentsOfFile: "\(directory)/r\(index)/responder.log", encoding: .utf8)) ?? ""
    }

    /// - Parameters:
    ///   - databaseURL: the store every responder shares; nil makes a throwaway database on the
    ///     shared test PostgreSQL.
    ///   - leaseSeconds: `storage.lease_seconds`; nil keeps the configured default.
    ///   - environment: extra responder settings (`AGENT_FCGI_…`); they win over the cluster's own.
    public init(count: Int = 3, routing: Routing = .roundRobin, databaseURL: String? = nil, leaseSeconds: Double? = nil,
                environment: [String: String] = [:]) async throws {
        if let databaseURL {
            self.databaseURL = databaseURL
        } else {
            self.databaseURL = try await PostgresTestCluster.shared().makeDatabase(prefix: "multi")
        }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-multi")
        self.directory = directory
        self.count = count
        responders = Mutex(Array(repeating: nil, count: count))
        let sockets = (0..<count).map { "\(directory)/r\($0)/agent.sock" }
        let llm: FakeLLM
        do {
            llm = try FakeLLM(directory: directory)
            self.llm = llm
            var env = PostgresTestCluster.responderEnvironment(self.databaseURL)
            env["OPENAI_BASE_URL"] = llm.openAIBaseURL
            // Three responders per test, several tests at once: 256 worker threads each would be
            // thousands of threads on a machine other suites share.
            env["AGENT_FCGI_SERVER_WORKERS"] = "16"
            if let leaseSeconds { env["AGENT_FCGI_STORAGE_LEASE_SECONDS"] = String(leaseSeconds) }
            self.environment = env.merging(environment) { _, mine in mine }
            let all = try Self.freePorts(count + 1)
            port = all[0]
            ports = Array(all.dropFirst())
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            let conf = try Self.conf(port: port, ports: ports, sockets: sockets, routing: routing)
            nginx = try Self.startNginx(directory: directory, conf: conf, ports: [port] + ports)
        } catch {
            llm.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            for index in 0..<count { try start(index) }
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Idempotent.
    public func stop() {
        nginx.signal(SIGQUIT)
        nginx.stop(gracePeriod: 5)
        for responder in responders.withLock({ $0 }) { responder?.stop() }
        llm.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts responder `index` (again), on its socket and directory.
    public func start(_ index: Int) throws {
        let home = "\(directory)/r\(index)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // Each responder its own name: notices and lease owners name the responder they came from.
        let responder = try ResponderProcess(directory: home, environment: environment.merging(
            ["AGENT_FCGI_SERVER_INSTANCE_ID": "r\(index)"]) { _, new in new })
        responders.withLock { $0[index] = responder }
    }

    /// SIGKILL: no drain, no final commit, its leases left to expire.
    public func kill(_ index: Int) throws {
        guard let responder = responders.withLock({ $0[index] }) else { return }
        responder.process.signal(SIGKILL)
        guard responder.process.waitForExit(timeout: 10) != nil else { throw TestFailure("responder r\(index) survived SIGKILL") }
        responders.withLock { $0[index] = nil }
    }

    private static func freePorts(_ count: Int) throws -> [UInt16] {
        var ports: [UInt16] = []
        while ports.count < count {
            let next = try TestEnvironment.freePort()
            if !ports.contains(next) { ports.append(next) }
        }
        return ports
    }
}
