import AgentCore
import Foundation
import Logging

/// Builds what a query runs with (model client, tools, prices, agent) from the configuration.
/// Done at start-up and again on each reload; a failure leaves the running profile in place.
enum AgentAssembly {
    /// `mcp` is the started pool for `configuration.tools.mcpServers` (the runtime owns it).
    static func makeProfile(_ configuration: ServiceConfiguration, mcp: MCPServerPool = .empty,
                            logger: Logger) throws -> AgentProfile {
        let choices = configuration.modelChoices
        // One client per allowed model, all on the configured provider, key and limits.
        let models = try choices.allowed.map { try ChatModelFactory.make(choices.configuration(of: $0, base: configuration.model)) }
        let agent = Agent(model: models[0], tools: try makeTools(configuration.tools, mcp: mcp, source: configuration.source,
                                                                 logger: logger),
                          settings: configuration.agent, prices: try loadPrices(configuration.prices, logger: logger),
                          logger: Logger(label: "agent-fcgi.agent"), alternatives: Array(models.dropFirst()))
        return AgentProfile(runner: agent, defaultSystemPrompt: configuration.systemPrompt, allowedModels: choices.allowed,
                            unavailableReason: { mcp.unavailableReason })
    }

    static func makeTools(_ tools: ToolSettings, mcp: MCPServerPool = .empty, source: String = "configuration",
                          logger: Logger) throws -> ToolRegistry {
        var registry = try ToolRegistry.configured(builtIns: true, commandTools: tools.commandTools,
                                                   otherTools: tools.httpTools.map { HTTPTool(spec: $0) })
        for name in ToolsSection.knownBuiltIns where !tools.builtIns.contains(name) {
            registry.remove(named: name)
        }
        // Names the MCP tools listed at start would share with each other or with these: refused
        // now, naming both, rather than one tool silently shadowing another.
        var reserved: [String: String] = [:]
        for name in registry.names {
            reserved[name] = tools.commandTools.contains { $0.name == name } ? "tools.command.\(name)"
                : tools.httpTools.contains { $0.name == name } ? "tools.http.\(name)" : "built-in tool \"\(name)\""
        }
        let problems = mcp.collisions(reserved: reserved)
        if !problems.isEmpty {
            throw ConfigurationError(source: source, key: "tools.mcp", reason: problems.joined(separator: "; "))
        }
        registry.add(source: mcp)
        return registry
    }

    static func loadPrices(_ settings: PriceSettings, logger: Logger) throws -> PriceTable {
        var table = PriceTable.empty
        if let file = settings.file {
            table = try loadPriceFile(file, key: "prices.file")
        } else if let shipped = shippedPriceFile(settings) {
            table = try loadPriceFile(shipped, key: "prices.file")
        } else {
            logger.warning("no price table found (set prices.file); every cost will be null")
        }
        if let extra = settings.extraFile {
            table = table.merging(try loadPriceFile(extra, key: "prices.extra_file"))
        }
        return table
    }

    /// The table shipped in conf/: beside the config file, or in ./conf/ (a source checkout).
    static func shippedPriceFile(_ settings: PriceSettings) -> String? {
        let candidates = [settings.configDirectory.map { ($0 as NSString).appendingPathComponent("prices.json") },
                          "conf/prices.json"].compactMap { $0 }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    private static func loadPriceFile(_ path: String, key: String) throws -> PriceTable {
        do {
            return try PriceTable(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(source: path, key: key, reason: "cannot load prices: \(error)")
        }
    }
}
