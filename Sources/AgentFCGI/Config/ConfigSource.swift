import AgentCore
import Configuration
import Foundation

/// Typed reads over flags > `AGENT_FCGI_*` environment > YAML file, that fail loudly.
///
/// swift-configuration's optional reads return nil for a value of the wrong type; an operator
/// who writes `workers: many` must hear about it, so each read checks whether a value exists
/// as text before accepting "absent".
struct ConfigSource {
    let reader: ConfigReader
    /// Where file values come from, for error messages.
    let fileDescription: String
    /// Keys set by flags, so errors can name the right source.
    let flagKeys: Set<String>
    /// The environment the configuration was read from (`${VAR}` in headers, error sources).
    let environment: [String: String]
    let environmentPrefix = "AGENT_FCGI_"

    func string(_ key: String) -> String? {
        reader.string(forKey: ConfigKey(key))
    }

    func string(_ key: String, default value: String) -> String {
        string(key) ?? value
    }

    /// Empty strings count as unset, so `api_key_file: ""` in the example file means "none".
    func nonEmptyString(_ key: String) -> String? {
        guard let value = string(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ key: String, default value: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let parsed = try int(key) else { return value }
        guard range.contains(parsed) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(parsed)") }
        return parsed
    }

    func int(_ key: String) throws -> Int? {
        if let value = reader.int(forKey: ConfigKey(key)) { return value }
        if let text = string(key) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            // Flags arrive as text; YAML and environment values are already typed by the reader.
            if let value = Int(trimmed) { return value }
            throw error(key, "expected a whole number, got \(text.debugDescription)")
        }
        return nil
    }

    func double(_ key: String, default value: Double, range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double {
        guard let parsed = try double(key) else { return value }
        guard range.contains(parsed) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(parsed)") }
        return parsed
    }

    func double(_ key: String) throws -> Double? {
        if let value = reader.double(forKey: ConfigKey(key)) { return value }
        if let value = reader.int(forKey: ConfigKey(key)) { return Double(value) }
        if let text = string(key) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            if let value = Double(trimmed), value.isFinite { return value }
            throw error(key, "expected a number, got \(text.debugDescription)")
        }
        return nil
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        if let parsed = reader.bool(forKey: ConfigKey(key)) { return parsed }
        if let text = string(key) {
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            case "": return value
            default: throw error(key, "expected true or false, got \(text.debugDescription)")
            }
        }
        return value
    }

    func stringArray(_ key: String) throws -> [String]? {
        if let values = reader.stringArray(forKey: ConfigKey(key)) { return values }
        if string(key) != nil { throw error(key, "expected a list of strings") }
        return nil
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws -> T where T.RawValue == String {
        guard let text = nonEmptyString(key) else { return value }
        guard let parsed = T(rawValue: text) else {
            throw error(key, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \(text.debugDescription)")
        }
        return parsed
    }

    /// A JSON document written as a string in YAML (JSON Schemas of operator tools).
    func json(_ key: String) throws -> JSONValue? {
        guard let text = nonEmptyString(key) else { return nil }
        do {
            return try JSONValue.parse(text)
        } catch {
            throw self.error(key, "not valid JSON: \(error)")
        }
    }

    func error(_ key: String, _ reason: String) -> ConfigurationError {
        let source: String
        if flagKeys.contains(key) {
            source = "command line"
        } else if environment[environmentName(key)] != nil {
            source = "environment \(environmentName(key))"
        } else {
            source = fileDescription
        }
        return ConfigurationError(source: source, key: key, reason: reason)
    }

    func environmentName(_ key: String) -> String {
        environmentPrefix + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}
