import AgentCore
import Foundation

/// `tools.builtin`, `tools.command.NAME.*` and `tools.http.NAME.*` (`tools.mcp`: `MCPSection`). Each operator tool's fields are
/// read through the same layered source, so `AGENT_FCGI_TOOLS_COMMAND_NAME_TIMEOUT_SECONDS` works.
enum ToolsSection {
    static let knownBuiltIns = ["calculator", "current_time"]

    static func read(_ source: ConfigSource, structure: YAMLStructure?) throws -> ToolSettings {
        var tools = ToolSettings()
        if let builtIns = try source.stringArray("tools.builtin") {
            for name in builtIns where !knownBuiltIns.contains(name) {
                throw source.error("tools.builtin", "unknown built-in tool \(name.debugDescription) "
                                   + "(known: \(knownBuiltIns.joined(separator: ", ")))")
            }
            tools.builtIns = builtIns
        }
        for name in structure?.toolNames["command"] ?? [] {
            let prefix = "tools.command.\(name)"
            var object = try commonFields(source, prefix: prefix, name: name)
            object["argv"] = try source.stringArray("\(prefix).argv").map { .array($0.map(JSONValue.string)) }
            object["working_directory"] = source.nonEmptyString("\(prefix).working_directory").map(JSONValue.string)
            object["env_allow"] = try source.stringArray("\(prefix).env_allow").map { .array($0.map(JSONValue.string)) }
            let variables = structure?.commandToolEnvironmentKeys[name] ?? []
            if !variables.isEmpty {
                object["env"] = .object(Dictionary(uniqueKeysWithValues: variables.map {
                    ($0, JSONValue.string(source.string("\(prefix).env.\($0)", default: "")))
                }))
            }
            object["output_cap_bytes"] = try source.int("\(prefix).output_cap_bytes").map { .number(Double($0)) }
            do {
                tools.commandTools.append(try CommandToolSpec(json: .object(object.compactMapValues { $0 })))
            } catch {
                throw source.error(prefix, "\(error)")
            }
        }
        for name in structure?.toolNames["http"] ?? [] {
            let prefix = "tools.http.\(name)"
            var object = try commonFields(source, prefix: prefix, name: name)
            object["method"] = source.nonEmptyString("\(prefix).method").map(JSONValue.string)
            object["url"] = source.nonEmptyString("\(prefix).url").map(JSONValue.string)
            object["headers"] = try source.stringArray("\(prefix).headers").map { .array($0.map(JSONValue.string)) }
            object["response_cap_bytes"] = try source.int("\(prefix).response_cap_bytes").map { .number(Double($0)) }
            do {
                tools.httpTools.append(try HTTPToolSpec(json: .object(object.compactMapValues { $0 }), environment: source.environment))
            } catch {
                throw source.error(prefix, "\(error)")
            }
        }
        tools.mcpServers = try MCPSection.read(source, structure: structure)
        return tools
    }

    private static func commonFields(_ source: ConfigSource, prefix: String, name: String) throws -> [String: JSONValue?] {
        [
            "name": .string(name),
            "description": source.nonEmptyString("\(prefix).description").map(JSONValue.string),
            "parameters": try source.json("\(prefix).parameters"),
            "timeout_seconds": try source.double("\(prefix).timeout_seconds").map(JSONValue.number),
            "ephemeral": try source.int("\(prefix).ephemeral").map { .number(Double($0)) },
            "display_name": source.nonEmptyString("\(prefix).display_name").map(JSONValue.string),
        ]
    }
}

