import AgentCore
import Foundation
import Logging

/// Builds what a query runs with (model client, tools, prices, agent) from the configuration.
/// Done at start-up and again on each reload; a failure leaves the running profile in place.
enum AgentAssembly {
    static func makeProfile(_ configuration: ServiceConfiguration, logger: Logger) throws -> AgentProfile {
        let choices = configuration.modelChoices
        // One client per allowed model, all on the configured provider, key and limits.
        let models = try choices.allowed.map { try ChatModelFactory.make(choices.configuration(of: $0, base: configuration.model)) }
        let agent = Agent(model: models[0], tools: try makeTools(configuration.tools, logger: logger),
                          settings: configuration.agent, prices: try loadPrices(configuration.prices, logger: logger),
                          logger: Logger(label: "agent-fcgi.agent"), alternatives: Array(models.dropFirst()))
        return AgentProfile(runner: agent, defaultSystemPrompt: configuration.systemPrompt, allowedModels: choices.allowed)
    }

    static func makeTools(_ tools: ToolsConfiguration, logger: Logger) throws -> ToolRegistry {
        var registry = try ToolRegistry.configured(builtIns: true, commandTools: tools.commandTools,
                                                   otherTools: tools.httpTools.map { HTTPTool(spec: $0) })
        for name in ToolsSection.knownBuiltIns where !tools.builtIns.contains(name) {
            registry.remove(named: name)
        }
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
