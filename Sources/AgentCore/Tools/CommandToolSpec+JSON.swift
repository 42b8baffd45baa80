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
        func fail(_ message: String) -> ToolRegistryError {
            ToolRegistryError(message: "command tool \(json["name"]?.stringValue.map { "\"\($0)\"" } ?? "(unnamed)"): \(message)")
        }
        guard let name = json["name"]?.stringValue else { throw fail("\"name\" must be a string") }
        guard let description = json["description"]?.stringValue else { throw fail("\"description\" must be a string") }
        guard let argv = json["argv"]?.arrayValue?.compactMap(\.stringValue), !argv.isEmpty,
              argv.count == json["argv"]?.arrayValue?.count else {
            throw fail("\"argv\" must be a non-empty list of strings (the program is run directly, never by a shell)")
        }
        self.init(name: name, description: description, argv: argv)
        if let parameters = json["parameters"] {
            guard parameters.objectValue != nil else { throw fail("\"parameters\" must be a JSON Schema object") }
            self.parameters = parameters
        }
        if let directory = json["working_directory"] {
            guard let path = directory.stringValue else { throw fail("\"working_directory\" must be a string") }
            workingDirectory = path
        }
        if let allow = json["env_allow"] {
            guard let names = allow.arrayValue?.compactMap(\.stringValue), names.count == allow.arrayValue?.count else {
                throw fail("\"env_allow\" must be a list of variable names")
            }
            environmentAllowList = names
        }
        if let env = json["env"] {
            guard let object = env.objectValue, object.values.allSatisfy({ $0.stringValue != nil }) else {
                throw fail("\"env\" must map names to strings")
            }
            environment = object.mapValues { $0.stringValue! }
        }
        if let seconds = json["timeout_seconds"] {
            guard let value = seconds.doubleValue, value > 0 else { throw fail("\"timeout_seconds\" must be a positive number") }
            timeout = .milliseconds(Int64(value * 1000))
        }
        if let cap = json["output_cap_bytes"] {
            guard let value = cap.intValue, value > 0 else { throw fail("\"output_cap_bytes\" must be a positive integer") }
            outputCap = value
        }
        if let keep = json["ephemeral"] {
            guard let value = keep.intValue, value >= 0 else { throw fail("\"ephemeral\" must be a whole number >= 0") }
            ephemeral = value
        }
        if let display = json["display_name"] {
            guard let value = display.stringValue else { throw fail("\"display_name\" must be a string") }
            displayName = value
        }
    }
}
