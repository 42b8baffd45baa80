import Foundation
import Logging
import Synchronization

/// The configured MCP servers (`tools.mcp.*`), in configuration order, as one `ToolSource`.
///
/// Exposed names are unique by construction: a name that two tools would share is a
/// configuration error found at start and on reload (`collisions`); should a tool list change
/// later into a clash, the later tool is left out and the clash logged once.
///
/// Threading: Sendable; read from any task, started and stopped by the runtime.
public final class MCPServerPool: ToolSource, Sendable {
    public let servers: [MCPServer]
    private let logger: Logger
    private let reported = Mutex<Set<String>>([])

    public init(servers: [MCPServer], logger: Logger = Logger(label: "agent-fcgi.mcp")) {
        self.servers = servers
        self.logger = logger
    }

    /// A pool for `specs` that keeps the running servers of `previous` whose configuration did
    /// not change (a reload does not restart them) and makes new ones for the rest.
    public static func make(_ specs: [MCPServerSpec], reusing previous: MCPServerPool? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            logger: Logger = Logger(label: "agent-fcgi.mcp")) -> MCPServerPool {
        let running = previous?.servers ?? []
        return MCPServerPool(servers: specs.map { spec in
            running.first { $0.spec == spec && $0.phase != .stopped }
                ?? MCPServer(spec: spec, environment: environment, logger: logger)
        }, logger: logger)
    }

    public static let empty = MCPServerPool(servers: [])

    /// Starts every server and waits until each has connected or failed once (each at most its
    /// startup timeout, all at the same time).
    public func start() async {
        servers.forEach { $0.start() }
        await withTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { await server.waitUntilSettled() } }
        }
    }

    /// Stops the servers that are not also in `kept` (the pool that replaces this one).
    public func stop(keeping kept: MCPServerPool? = nil) async {
        let keep = Set((kept?.servers ?? []).map(ObjectIdentifier.init))
        await withTaskGroup(of: Void.self) { group in
            for server in servers where !keep.contains(ObjectIdentifier(server)) {
                group.addTask { await server.stop() }
            }
        }
    }

    public func tools(reserved: Set<String>) -> [any Tool] {
        var taken = reserved
        var offered: [any Tool] = []
        for server in servers {
            for info in server.tools {
                let tool = MCPTool(server: server, info: info)
                let name = tool.definition.name
                guard !taken.contains(name) else {
                    let key = "\(server.name)/\(info.name)"
                    if reported.withLock({ $0.insert(key).inserted }) {
                        logger.error("MCP tool left out: its exposed name is already taken",
                                     metadata: ["mcp_server": "\(server.name)", "tool": "\(info.name)", "exposed_name": "\(name)"])
                    }
                    continue
                }
                taken.insert(name)
                offered.append(tool)
            }
        }
        return offered
    }

    /// One message per exposed name that two tools share, naming both; `reserved` maps the
    /// names of the other tools to how to describe them (`built-in tool "calculator"`).
    public func collisions(reserved: [String: String]) -> [String] {
        var owners = reserved
        var problems: [String] = []
        for server in servers {
            for info in server.tools {
                let name = MCPToolName.exposed(prefix: server.spec.prefix, tool: info.name)
                let owner = "tools.mcp.\(server.name) tool \"\(info.name)\""
                if let first = owners[name] {
                    problems.append("\(first) and \(owner) are both offered as \"\(name)\"; "
                                    + "give one MCP server another prefix or exclude one of the tools")
                } else {
                    owners[name] = owner
                }
            }
        }
        return problems
    }

    public var statuses: [MCPServerStatus] { servers.map(\.status) }

    /// Whether any server is `required` (fixed for the pool's life).
    public var hasRequiredServers: Bool { servers.contains { $0.spec.required } }

    /// Why queries must be refused now: a required server is not up.
    public var unavailableReason: String? {
        let down = servers.filter { $0.spec.required && $0.phase != .up }
        guard !down.isEmpty else { return nil }
        return down.map { server in
            let status = server.status
            return "required MCP server \(server.name) is \(status.state)" + (status.lastError.map { " (\($0))" } ?? "")
        }.joined(separator: "; ")
    }

    public func server(named name: String) -> MCPServer? {
        servers.first { $0.name == name }
    }
}
