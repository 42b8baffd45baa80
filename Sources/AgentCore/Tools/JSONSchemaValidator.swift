import Foundation

/// Checks tool arguments against the subset of JSON Schema that tool definitions use:
/// `type` (one or a list; `integer` means a number without fraction), `enum`, `const`,
/// `properties`, `required`, `additionalProperties` (false or a schema), `items`,
/// `minimum`/`maximum`, `exclusiveMinimum`/`exclusiveMaximum`, `minLength`/`maxLength`,
/// `minItems`/`maxItems`, `pattern`, and `anyOf`/`oneOf`/`allOf`. Unknown keywords are ignored,
/// as the spec says.
///
/// Messages name the place (`$.items[2].name`) and say what was expected and what came, because
/// the model reads them and must be able to fix its call.
public enum JSONSchemaValidator {
    /// Every problem found, empty when `value` is valid.
    public static func validate(_ value: JSONValue, against schema: JSONValue) -> [String] {
        var problems: [String] = []
        check(value, schema, path: "$", into: &problems)
        return problems
    }

    private static func check(_ value: JSONValue, _ schema: JSONValue, path: String, into problems: inout [String]) {
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(path): no value is allowed here") }
            return
        }
        guard case .object(let keywords) = schema else { return }

        if let type = keywords["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !allowed.isEmpty, !allowed.contains(where: { matches(value, type: $0) }) {
                problems.append("\(path): expected \(allowed.joined(separator: " or ")), got \(describe(value))")
                return
            }
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(value) {
            let listed = options.map { $0.serialized() }.joined(separator: ", ")
            problems.append("\(path): \(value.serialized()) is not one of [\(listed)]")
        }
        if let constant = keywords["const"], constant != value {
            problems.append("\(path): must be \(constant.serialized()), got \(value.serialized())")
        }
        checkCombinators(value, keywords, path: path, into: &problems)

        switch value {
        case .object(let object): checkObject(object, keywords, path: path, into: &problems)
        case .array(let items): checkArray(items, keywords, path: path, into: &problems)
        case .string(let text): checkString(text, keywords, path: path, into: &problems)
        case .number(let number): checkNumber(number, keywords, path: path, into: &problems)
        case .bool, .null: break
        }
    }

    private static func checkCombinators(_ value: JSONValue, _ keywords: [String: JSONValue], path: String,
                                         into problems: inout [String]) {
        if let all = keywords["allOf"]?.arrayValue {
            for schema in all { check(value, schema, path: path, into: &problems) }
        }
        if let any = keywords["anyOf"]?.arrayValue,
           !any.contains(where: { validate(value, against: $0).isEmpty }) {
            problems.append("\(path): matches none of the allowed forms (anyOf)")
        }
        if let one = keywords["oneOf"]?.arrayValue {
            let count = one.filter { validate(value, against: $0).isEmpty }.count
            if count != 1 { problems.append("\(path): must match exactly one allowed form (oneOf), matches \(count)") }
        }
    }

    private static func checkObject(_ object: [String: JSONValue], _ keywords: [String: JSONValue], path: String,
                                    into problems: inout [String]) {
        let properties = keywords["properties"]?.objectValue ?? [:]
        for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            problems.append("\(path): missing required property \"\(name)\"")
        }
        for key in object.keys.sorted() {
            let child = "\(path).\(key)"
            if let schema = properties[key] {
                check(object[key]!, schema, path: child, into: &problems)
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    let known = properties.keys.sorted().joined(separator: ", ")
                    problems.append("\(path): unexpected property \"\(key)\" (allowed: \(known.isEmpty ? "none" : known))")
                } else {
                    check(object[key]!, additional, path: child, into: &problems)
                }
            }
        }
    }

    private static func checkArray(_ items: [JSONValue], _ keywords: [String: JSONValue], path: String,
                                   into problems: inout [String]) {
        if let min = keywords["minItems"]?.intValue, items.count < min {
            problems.append("\(path): needs at least \(min) items, got \(items.count)")
        }
        if let max = keywords["maxItems"]?.intValue, items.count > max {
            problems.append("\(path): allows at most \(max) items, got \(items.count)")
        }
        if let schema = keywords["items"], schema.objectValue != nil || schema.boolValue != nil {
            for (index, item) in items.enumerated() {
                check(item, schema, path: "\(path)[\(index)]", into: &problems)
            }
        }
    }

    private static func checkString(_ text: String, _ keywords: [String: JSONValue], path: String,
                                    into problems: inout [String]) {
        if let min = keywords["minLength"]?.intValue, text.count < min {
            problems.append("\(path): must be at least \(min) characters long, got \(text.count)")
        }
        if let max = keywords["maxLength"]?.intValue, text.count > max {
            problems.append("\(path): must be at most \(max) characters long, got \(text.count)")
        }
        if let pattern = keywords["pattern"]?.stringValue,
           let regex = try? NSRegularExpression(pattern: pattern),
           regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            problems.append("\(path): does not match the pattern \(pattern)")
        }
    }

    private static func checkNumber(_ number: Double, _ keywords: [String: JSONValue], path: String,
                                    into problems: inout [String]) {
        let text = JSONValue.number(number).serialized()
        if let min = keywords["minimum"]?.doubleValue, number < min {
            problems.append("\(path): must be >= \(JSONValue.number(min).serialized()), got \(text)")
        }
        if let max = keywords["maximum"]?.doubleValue, number > max {
            problems.append("\(path): must be <= \(JSONValue.number(max).serialized()), got \(text)")
        }
        if let min = keywords["exclusiveMinimum"]?.doubleValue, number <= min {
            problems.append("\(path): must be > \(JSONValue.number(min).serialized()), got \(text)")
        }
        if let max = keywords["exclusiveMaximum"]?.doubleValue, number >= max {
            problems.append("\(path): must be < \(JSONValue.number(max).serialized()), got \(text)")
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string),
             ("array", .array), ("object", .object):
            return true
        case ("integer", .number(let number)):
            return number.isFinite && number.rounded() == number
        default:
            return false
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return "string \(JSONValue.string(text.count > 40 ? String(text.prefix(40)) + "…" : text).serialized())"
        case .number, .bool: return "\(value.typeName) \(value.serialized())"
        default: return value.typeName
        }
    }
}
