import AgentCore
import Foundation

/// `tools.mcp.NAME.*`: MCP servers whose tools the agent offers (docs/MCP.md). Read through the
/// same layered source as the rest, so `AGENT_FCGI_TOOLS_MCP_NAME_REQUIRED=true` works.
enum MCPSection {
    static let stdioOnly = ["argv", "working_directory", "env_allow", "env"]
    static let httpOnly = ["url", "headers"]

    static func read(_ source: ConfigSource, structure: YAMLStructure?) throws -> [MCPServerSpec] {
        try (structure?.toolNames["mcp"] ?? []).map { try server($0, source: source, structure: structure) }
    }

    static func server(_ name: String, source: ConfigSource, structure: YAMLStructure?) throws -> MCPServerSpec {
        let prefix = "tools.mcp.\(name)"
        guard let kind = source.nonEmptyString("\(prefix).transport") else {
            throw source.error("\(prefix).transport", "required: stdio (a program started from argv) or http (a streamable HTTP URL)")
        }
        let transport: MCPServerSpec.Transport
        switch kind {
        case "stdio":
            try reject(httpOnly, prefix: prefix, kind: kind, source: source, structure: structure, name: name)
            guard let argv = try source.stringArray("\(prefix).argv"), let program = argv.first, !program.isEmpty else {
                throw source.error("\(prefix).argv", "required for transport stdio: a non-empty list of strings "
                                   + "(the program is run directly, never by a shell)")
            }
            let variables = structure?.mcpEnvironmentKeys[name] ?? []
            let environment = Dictionary(uniqueKeysWithValues: variables.map {
                ($0, HTTPToolSpec.expandEnvironment(source.string("\(prefix).env.\($0)", default: ""), source.environment))
            })
            transport = .stdio(argv: argv, workingDirectory: source.nonEmptyString("\(prefix).working_directory"),
                               environmentAllowList: try source.stringArray("\(prefix).env_allow")
                                   ?? MCPServerSpec.defaultEnvironmentAllowList,
                               environment: environment)
        case "http":
            try reject(stdioOnly, prefix: prefix, kind: kind, source: source, structure: structure, name: name)
            guard let url = source.nonEmptyString("\(prefix).url"),
                  let scheme = URLComponents(string: url)?.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
                throw source.error("\(prefix).url", "required for transport http: the server's http(s) MCP endpoint")
            }
            var headers: [HTTPHeader] = []
            for line in try source.stringArray("\(prefix).headers") ?? [] {
                guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                    throw source.error("\(prefix).headers", "each header is \"Name: value\", got \(line.debugDescription)")
                }
                let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                headers.append(HTTPHeader(String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                                          HTTPToolSpec.expandEnvironment(value, source.environment)))
            }
            transport = .http(url: url, headers: headers)
        default:
            throw source.error("\(prefix).transport", "expected stdio or http, got \(kind.debugDescription)")
        }
        var spec = MCPServerSpec(name: name, transport: transport)
        spec.include = try source.stringArray("\(prefix).include")
        spec.exclude = try source.stringArray("\(prefix).exclude") ?? []
        if let value = source.string("\(prefix).prefix") {
            guard !value.isEmpty else { throw source.error("\(prefix).prefix", "must not be empty (leave it out to use \(name))") }
            spec.prefix = value
        }
        spec.startupTimeout = try seconds(source, "\(prefix).startup_timeout_seconds", default: 10)
        spec.callTimeout = try seconds(source, "\(prefix).call_timeout_seconds", default: 60)
        spec.required = try source.bool("\(prefix).required", default: false)
        spec.outputCap = try source.int("\(prefix).output_cap_bytes", default: spec.outputCap, range: 1...(64 << 20))
        return spec
    }

    private static func seconds(_ source: ConfigSource, _ key: String, default value: Double) throws -> Duration {
        .milliseconds(Int64(try source.double(key, default: value, range: 0.1...86_400) * 1000))
    }

    /// A key of the other transport is a mistake worth stopping for, not a setting to ignore.
    private static func reject(_ keys: [String], prefix: String, kind: String, source: ConfigSource,
                               structure: YAMLStructure?, name: String) throws {
        for key in keys where source.string("\(prefix).\(key)") != nil || (try? source.stringArray("\(prefix).\(key)")) != nil
            || (key == "env" && !(structure?.mcpEnvironmentKeys[name] ?? []).isEmpty) {
            throw source.error("\(prefix).\(key)", "does not apply to transport \(kind)")
        }
    }
}
