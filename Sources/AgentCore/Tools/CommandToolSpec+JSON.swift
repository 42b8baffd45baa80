import Foundation

extension CommandToolSpec {
    /// Reads one command tool from configuration data:
    /// ```
    /// {"name": "weather", "description": "…", "argv": ["/opt/tools/weather", "--json"],
    ///  "parameters": {JSON Schema}, "working_directory": "/opt/tools", "env_allow": ["PATH", "HOME"],
    ///  "env": {"UNITS": "metric"}, "timeout_seconds": 30, "output_cap_bytes": 65536, "ephemeral": 3,
    ///  "display_name": "Weather"}
    /// ```
    /// Only `name`, `description` and `argv` are required; the rest default as in `init`.
    public init(json: JSONValue) throws {
        let fields = ToolSpecFields(json: json, kind: "command tool")
        let name = try fields.requiredString("name")
        let description = try fields.requiredString("description")
        guard let argv = try fields.stringList("argv", "a non-empty list of strings (the program is run directly, never by a shell)"),
              !argv.isEmpty else {
            throw fields.fail("\"argv\" must be a non-empty list of strings (the program is run directly, never by a shell)")
        }
        self.init(name: name, description: description, argv: argv)
        if let parameters = try fields.parameters() { self.parameters = parameters }
        if let directory = try fields.optionalString("working_directory") { workingDirectory = directory }
        if let names = try fields.stringList("env_allow", "a list of variable names") { environmentAllowList = names }
        if let env = json["env"] {
            guard let object = env.objectValue, object.values.allSatisfy({ $0.stringValue != nil }) else {
                throw fields.fail("\"env\" must map names to strings")
            }
            environment = object.mapValues { $0.stringValue! }
        }
        if let timeout = try fields.timeout() { self.timeout = timeout }
        if let cap = try fields.positiveInt("output_cap_bytes") { outputCap = cap }
        ephemeral = try fields.ephemeral()
        displayName = try fields.optionalString("display_name")
    }
}
