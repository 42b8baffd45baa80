import Foundation

/// A constraint on the form of the final answer, in OpenAI's terms (`response_format`).
/// OpenAI-compatible providers get it as is; Anthropic gets the same effect from a forced tool
/// (see `AnthropicChatModel`). The agent checks the answer either way (`check(_:)`).
public enum ResponseFormat: Sendable, Hashable {
    /// Any JSON object.
    case jsonObject
    /// JSON matching `schema`. `name` is the provider's label for it (`^[A-Za-z0-9_-]{1,64}$`).
    case jsonSchema(name: String, schema: JSONValue, strict: Bool?, description: String?)

    /// The schema the answer must match: any object for `jsonObject`.
    public var schema: JSONValue {
        switch self {
        case .jsonObject: return ["type": "object"]
        case .jsonSchema(_, let schema, _, _): return schema
        }
    }

    /// OpenAI's JSON for the request.
    public var json: JSONValue {
        switch self {
        case .jsonObject:
            return ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict, let description):
            var inner: [String: JSONValue] = ["name": .string(name), "schema": schema]
            if let strict { inner["strict"] = .bool(strict) }
            if let description { inner["description"] = .string(description) }
            return ["type": "json_schema", "json_schema": .object(inner)]
        }
    }

    /// The answer as it will be returned (surrounding blanks and a Markdown code fence removed,
    /// which models add out of habit), or what is wrong with it.
    public func check(_ answer: String) -> Result<String, Mismatch> {
        let text = Self.unfenced(answer)
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            return .failure(Mismatch(problems: ["the answer is not valid JSON (\(error))"]))
        }
        let problems: [String]
        switch self {
        case .jsonObject:
            problems = value.objectValue == nil ? ["$: expected a JSON object, got \(value.typeName)"] : []
        case .jsonSchema(_, let schema, _, _):
            problems = JSONSchemaValidator.validate(value, against: schema)
        }
        return problems.isEmpty ? .success(text) : .failure(Mismatch(problems: problems))
    }

    public struct Mismatch: Error, Sendable, Hashable, CustomStringConvertible {
        public var problems: [String]
        public var description: String { problems.joined(separator: "; ") }
    }

    static func unfenced(_ answer: String) -> String {
        var text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("```"), text.hasSuffix("```"), text.count >= 6 else { return text }
        text = String(text.dropFirst(3).dropLast(3))
        // The info string ("json") runs to the end of the first line.
        if let newline = text.firstIndex(of: "\n") {
            let info = text[..<newline].trimmingCharacters(in: .whitespaces)
            if info.allSatisfy({ $0.isLetter }) { text = String(text[text.index(after: newline)...]) }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Stored as OpenAI's JSON (`json`), with a paused query's options.
extension ResponseFormat: Codable {
    public init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        switch json["type"]?.stringValue {
        case "json_object":
            self = .jsonObject
        case "json_schema":
            guard let inner = json["json_schema"], let name = inner["name"]?.stringValue, let schema = inner["schema"] else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "json_schema without a name or a schema"))
            }
            self = .jsonSchema(name: name, schema: schema, strict: inner["strict"]?.boolValue,
                               description: inner["description"]?.stringValue)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown response format \(json["type"] ?? .null)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
