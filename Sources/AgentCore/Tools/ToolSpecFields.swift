import Foundation

/// Reads the fields operator tools share from configuration data, with errors that name the
/// tool and the field: `name`, `description`, `parameters`, `timeout_seconds`, `ephemeral`,
/// `display_name`, and typed helpers for the rest.
struct ToolSpecFields {
    let json: JSONValue
    /// "command tool", "HTTP tool": how errors name the kind.
    let kind: String

    func fail(_ message: String) -> ToolRegistryError {
        ToolRegistryError(message: "\(kind) \(json["name"]?.stringValue.map { "\"\($0)\"" } ?? "(unnamed)"): \(message)")
    }

    func requiredString(_ key: String) throws -> String {
        guard let value = json[key]?.stringValue else { throw fail("\"\(key)\" must be a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = json[key] else { return nil }
        guard let text = value.stringValue else { throw fail("\"\(key)\" must be a string") }
        return text
    }

    func stringList(_ key: String, _ what: String) throws -> [String]? {
        guard let value = json[key] else { return nil }
        guard let items = value.arrayValue?.compactMap(\.stringValue), items.count == value.arrayValue?.count else {
            throw fail("\"\(key)\" must be \(what)")
        }
        return items
    }

    /// A JSON Schema object for the arguments, when given.
    func parameters() throws -> JSONValue? {
        guard let parameters = json["parameters"] else { return nil }
        guard parameters.objectValue != nil else { throw fail("\"parameters\" must be a JSON Schema object") }
        return parameters
    }

    func timeout() throws -> Duration? {
        guard let seconds = json["timeout_seconds"] else { return nil }
        guard let value = seconds.doubleValue, value > 0 else { throw fail("\"timeout_seconds\" must be a positive number") }
        return .milliseconds(Int64(value * 1000))
    }

    func positiveInt(_ key: String) throws -> Int? {
        guard let raw = json[key] else { return nil }
        guard let value = raw.intValue, value > 0 else { throw fail("\"\(key)\" must be a positive integer") }
        return value
    }

    func ephemeral() throws -> Int? {
        guard let keep = json["ephemeral"] else { return nil }
        guard let value = keep.intValue, value >= 0 else { throw fail("\"ephemeral\" must be a whole number >= 0") }
        return value
    }
}
