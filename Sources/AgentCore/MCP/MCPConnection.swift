import Foundation
import Logging
import MCP
import Synchronization

/// One live session with an MCP server: the SDK's `Client` over one of our transports. When the
/// transport closes, the connection is dead for good; the supervisor (`MCPServer`) opens a new one.
///
/// Threading: Sendable; the SDK client is an actor and the transports keep their blocking work
/// on the curl loop or the process thread, so every method here only suspends.
final class MCPConnection: Sendable {
    let client: Client
    private let transport: any Transport
    private let death: MCPDeath

    private init(client: Client, transport: any Transport, death: MCPDeath) {
        self.client = client
        self.transport = transport
        self.death = death
    }

    /// Starts the transport and runs `initialize`, all within the spec's startup timeout.
    static func open(_ spec: MCPServerSpec, serverEnvironment: [String: String], logger: Logger,
                     onToolsChanged: @escaping @Sendable () -> Void) async throws -> MCPConnection {
        let death = MCPDeath()
        let transport: any Transport
        switch spec.transport {
        case .stdio(let argv, let workingDirectory, let allowList, let environment):
            let inherited = serverEnvironment.filter { allowList.contains($0.key) }
            transport = MCPStdioTransport(argv: argv, environment: inherited.merging(environment) { _, fixed in fixed },
                                          workingDirectory: workingDirectory, logger: logger, onClose: death.fire)
        case .http(let url, let headers):
            transport = MCPHTTPTransport(url: url, headers: headers, logger: logger, onClose: death.fire)
        }
        let client = Client(name: "agent-fcgi", version: AgentCoreInfo.version)
        await client.onNotification(ToolListChangedNotification.self) { _ in onToolsChanged() }
        await client.withMethodHandler(Ping.self) { _ in Empty() }
        let connection = MCPConnection(client: client, transport: transport, death: death)
        // The SDK leaves requests waiting when its transport ends; disconnecting fails them at
        // once, so a crash mid-call is an error (and a retry) now rather than at the call timeout.
        Task {
            _ = await death.wait()
            await client.disconnect()
        }
        let outcome = await MCPDeadline.run(within: spec.startupTimeout, onTimeout: { await client.disconnect() }) {
            try await client.connect(transport: transport)
        }
        switch outcome {
        case .value: return connection
        case .timedOut:
            throw MCPServerError("did not answer initialize within \(spec.startupTimeout.secondsText)s")
        case .failed(let error):
            await client.disconnect()
            throw MCPServerError("initialize failed: \(death.reason ?? MCPServerError.describe(error))")
        }
    }

    /// The stdio server's process id (nil over HTTP), for tests that kill it behind our back.
    var processID: Int32? {
        get async { await (transport as? MCPStdioTransport)?.pid }
    }

    var isDead: Bool { death.reason != nil }
    var deathReason: String? { death.reason }

    /// Returns when the transport closed, with the reason; at once when it already has.
    func waitForDeath() async -> String {
        await death.wait()
    }

    /// Every tool the server lists, following `nextCursor` (at most 100 pages).
    func listTools(within timeout: Duration) async throws -> [MCP.Tool] {
        let client = self.client
        let outcome = await MCPDeadline.run(within: timeout, onTimeout: { await client.disconnect() }) {
            var tools: [MCP.Tool] = []
            var cursor: String?
            for _ in 0..<100 {
                let page = try await client.listTools(cursor: cursor)
                tools += page.tools
                cursor = page.nextCursor
                if cursor == nil { break }
            }
            return tools
        }
        switch outcome {
        case .value(let tools): return tools
        case .timedOut: throw MCPServerError("did not answer tools/list within \(timeout.secondsText)s")
        case .failed(let error): throw MCPServerError("tools/list failed: \(death.reason ?? MCPServerError.describe(error))")
        }
    }

    /// One `tools/call`. Past `timeout`, or when the calling task is cancelled, the request is
    /// dropped and `notifications/cancelled` goes to the server.
    func call(_ name: String, arguments: [String: Value]?, timeout: Duration) async throws -> CallTool.Result {
        let client = self.client
        let context: RequestContext<CallTool.Result> = try await client.callTool(name: name, arguments: arguments)
        let timedOut = Atomic<Bool>(false)
        let timer = Task {
            guard (try? await CancellableSleep.sleep(for: timeout)) != nil else { return }
            timedOut.store(true, ordering: .releasing)
            try? await client.cancelRequest(context.requestID, reason: "timed out after \(timeout.secondsText)s")
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await context.value
            } onCancel: {
                Task { try? await client.cancelRequest(context.requestID, reason: "the query was cancelled") }
            }
        } catch {
            if timedOut.load(ordering: .acquiring) { throw MCPCallTimedOut() }
            throw error
        }
    }

    /// Ends the session (the stdio process is stopped and waited for).
    func close() async {
        await client.disconnect()
    }
}

struct MCPCallTimedOut: Error {}
