import AgentCore
import Configuration
import Foundation
import Logging

/// Builds a `ServiceConfiguration` from flags > `AGENT_FCGI_*` environment > YAML file > defaults,
/// and says exactly which key is wrong when something is.
struct ConfigurationLoader {
    /// The YAML file; nil runs on flags, environment and defaults alone.
    var filePath: String?
    /// Values given as flags, by configuration key (`server.workers` → "16").
    var flagValues: [String: String] = [:]
    var environment: [String: String] = ProcessInfo.processInfo.environment

    func load() async throws -> ServiceConfiguration {
        var providers: [any ConfigProvider] = []
        if !flagValues.isEmpty {
            let values = Dictionary(uniqueKeysWithValues: flagValues.map { key, value in
                (AbsoluteConfigKey(key.split(separator: ".").map(String.init)), ConfigValue(.string(value), isSecret: false))
            })
            providers.append(InMemoryProvider(name: "flags", values: values))
        }
        providers.append(KeyMappingProvider(upstream: EnvironmentVariablesProvider(environmentVariables: environment)) { key in
            key.prepending(["agent_fcgi"])
        })
        var structure: YAMLStructure?
        var fileDescription = "defaults"
        if let filePath {
            fileDescription = filePath
            guard let data = FileManager.default.contents(atPath: filePath) else {
                throw ConfigurationError(source: filePath, key: "(file)", reason: "cannot read the file")
            }
            let parsed = try YAMLStructure(text: String(decoding: data, as: UTF8.self), file: filePath)
            try parsed.validateKeys(file: filePath)
            structure = parsed
            let locator = ConfigReader(provider: InMemoryProvider(values: [
                "filePath": ConfigValue(.string(filePath), isSecret: false)]))
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(config: locator))
            } catch {
                throw ConfigurationError(source: filePath, key: "(file)", reason: "\(error)")
            }
        }
        let source = ConfigSource(reader: ConfigReader(providers: providers), fileDescription: fileDescription,
                                  flagKeys: Set(flagValues.keys), environment: environment)
        let model = try ModelSection.read(source, environment: environment)
        return ServiceConfiguration(
            responder: try ResponderSection.read(source),
            model: model,
            modelChoices: try ModelChoiceSection.read(source, structure: structure, defaultModel: model.model),
            agent: try AgentSection.read(source),
            systemPrompt: source.nonEmptyString("agent.system_prompt") ?? AgentSection.defaultSystemPrompt,
            tools: try ToolsSection.read(source, structure: structure),
            sessions: try SessionsSection.read(source),
            storage: try StorageSection.read(source),
            prices: PriceSettings(file: source.nonEmptyString("prices.file"),
                                  extraFile: source.nonEmptyString("prices.extra_file"),
                                  configDirectory: filePath.map { ($0 as NSString).deletingLastPathComponent }),
            logging: try LoggingSection.read(source),
            source: fileDescription)
    }
}
