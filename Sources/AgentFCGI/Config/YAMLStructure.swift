import Yams

/// The shape of the YAML file as written (keys and nesting), read with Yams to check keys and
/// to find the names of operator-defined tools; values are read through swift-configuration.
struct YAMLStructure {
    /// Dotted paths of every scalar or sequence in the file.
    private(set) var leafKeys: [String] = []
    private(set) var toolNames: [String: [String]] = ["command": [], "http": [], "mcp": []]
    /// Variable names under `tools.command.NAME.env`, by tool name.
    private(set) var commandToolEnvironmentKeys: [String: [String]] = [:]
    /// Variable names under `tools.mcp.NAME.env`, by server name.
    private(set) var mcpEnvironmentKeys: [String: [String]] = [:]
    /// `model.context_windows` as written: model name → its scalar, in file order.
    private(set) var contextWindows: [(name: String, value: String)] = []

    init(text: String, file: String) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(source: file, key: "(file)", reason: "not valid YAML: \(error)")
        }
        guard let node else { return }
        guard case .mapping = node else {
            throw ConfigurationError(source: file, key: "(file)", reason: "the top level must be a mapping of sections")
        }
        walk(node, path: [], file: file)
        if let windows = node.mapping?["model"]?.mapping?["context_windows"] {
            guard let mapping = windows.mapping else {
                throw ConfigurationError(source: file, key: "model.context_windows", reason: "expected a mapping of model name to tokens")
            }
            contextWindows = mapping.map { ($0.key.string ?? "\($0.key)", $0.value.scalar?.string ?? "\($0.value)") }
        }
        if let tools = node.mapping?["tools"]?.mapping {
            for kind in ["command", "http", "mcp"] {
                toolNames[kind] = tools[kind]?.mapping?.keys.compactMap(\.string) ?? []
            }
            for name in toolNames["command"] ?? [] {
                commandToolEnvironmentKeys[name] =
                    tools["command"]?.mapping?[name]?.mapping?["env"]?.mapping?.keys.compactMap(\.string) ?? []
            }
            for name in toolNames["mcp"] ?? [] {
                mcpEnvironmentKeys[name] = tools["mcp"]?.mapping?[name]?.mapping?["env"]?.mapping?.keys.compactMap(\.string) ?? []
            }
        }
    }

    private mutating func walk(_ node: Node, path: [String], file: String) {
        switch node {
        case .mapping(let mapping):
            if mapping.isEmpty, !path.isEmpty { leafKeys.append(path.joined(separator: ".")) }
            for (key, value) in mapping {
                walk(value, path: path + [key.string ?? "\(key)"], file: file)
            }
        case .scalar, .sequence, .alias:
            leafKeys.append(path.joined(separator: "."))
        }
    }

    func validateKeys(file: String) throws {
        for key in leafKeys {
            if let problem = ConfigurationKeys.problem(with: key) {
                throw ConfigurationError(source: file, key: key, reason: problem)
            }
        }
    }
}
