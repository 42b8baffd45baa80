import AgentCore
import Foundation

/// Validation of the fields a query may carry (`message` as text or content parts, `model`,
/// `response_format`, `tools`), shared by the agent's own endpoints and the OpenAI front door.
/// Each returns the value and the issues found, so one 422 lists every problem of a body.
enum QueryFields {
    /// What the running configuration allows: models a client may name, tools it may choose.
    struct Choices: Sendable {
        var models: [String]
        var tools: [String]

        init(_ profile: AgentProfile) {
            models = profile.allowedModels
            tools = profile.runner.toolDefinitions.map(\.name)
        }
    }

    /// `message`: a string, or a non-empty list of text and image parts.
    static func message(_ value: JSONValue?, at loc: [JSONValue], body: JSONValue) -> (ChatMessage?, [ValidationIssue]) {
        guard let value else { return (nil, [.missing(loc, input: body)]) }
        if let text = value.stringValue { return (.user(text), []) }
        guard let items = value.arrayValue else { return (nil, [.stringType(loc, input: value)]) }
        let (parts, issues) = contentParts(items, at: loc, input: value)
        return (issues.isEmpty ? .user(parts: parts) : nil, issues)
    }

    static func contentParts(_ items: [JSONValue], at loc: [JSONValue], input: JSONValue) -> ([ContentPart], [ValidationIssue]) {
        guard !items.isEmpty else { return ([], [.tooShort(loc, input: input)]) }
        var parts: [ContentPart] = []
        var issues: [ValidationIssue] = []
        for (index, item) in items.enumerated() {
            let here = loc + [.number(Double(index))]
            guard let object = item.objectValue else {
                issues.append(.objectType(here, input: item))
                continue
            }
            switch object["type"]?.stringValue {
            case nil:
                issues.append(.unionTagNotFound(here, input: item))
            case "text":
                guard let text = object["text"] else {
                    issues.append(.missing(here + ["text"], input: item))
                    continue
                }
                guard let string = text.stringValue else {
                    issues.append(.stringType(here + ["text"], input: text))
                    continue
                }
                parts.append(.text(string))
            case "image_url":
                let (part, found) = imagePart(object["image_url"], at: here + ["image_url"], part: item)
                issues += found
                if let part { parts.append(part) }
            case let tag?:
                issues.append(.unionTagInvalid(here, tag: tag, expected: ["text", "image_url"], input: item))
            }
        }
        return (parts, issues)
    }

    private static func imagePart(_ value: JSONValue?, at loc: [JSONValue], part: JSONValue) -> (ContentPart?, [ValidationIssue]) {
        guard let value else { return (nil, [.missing(loc, input: part)]) }
        guard let object = value.objectValue else { return (nil, [.objectType(loc, input: value)]) }
        var issues: [ValidationIssue] = []
        var url: String?
        if let raw = object["url"] {
            if let text = raw.stringValue {
                if let problem = imageURLProblem(text) {
                    issues.append(.valueError(loc + ["url"], problem, input: .string(String(text.prefix(200)))))
                } else {
                    url = text
                }
            } else {
                issues.append(.stringType(loc + ["url"], input: raw))
            }
        } else {
            issues.append(.missing(loc + ["url"], input: value))
        }
        var detail: String?
        if let raw = object["detail"], !raw.isNull {
            if let text = raw.stringValue, ["auto", "low", "high"].contains(text) {
                detail = text
            } else {
                issues.append(.literal(loc + ["detail"], expected: ["auto", "low", "high"], input: raw))
            }
        }
        guard issues.isEmpty, let url else { return (nil, issues) }
        return (.image(url: url, detail: detail), [])
    }

    /// Why a URL cannot be sent to a provider as an image, or nil when it can.
    static func imageURLProblem(_ url: String) -> String? {
        let accepted = "png, jpeg, gif or webp"
        if let (mediaType, data) = ContentPart.dataURL(url) {
            guard ContentPart.imageMediaTypes.contains(mediaType) else {
                return "an image data URL must be \(accepted), got \(mediaType.isEmpty ? "no media type" : mediaType)"
            }
            guard !data.isEmpty, Data(base64Encoded: data) != nil else {
                return "the data URL's payload is not valid base64"
            }
            return nil
        }
        if url.lowercased().hasPrefix("data:") {
            return "an image data URL must be base64-encoded: data:image/png;base64,…"
        }
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
              let host = components.host, !host.isEmpty else {
            return "expected a data URL of a \(accepted) image (data:image/png;base64,…) or an https URL"
        }
        return nil
    }

    /// `model`: one of the allowed names, or absent/null.
    static func model(_ value: JSONValue?, at loc: [JSONValue], choices: Choices) -> (String?, [ValidationIssue]) {
        guard let value, !value.isNull else { return (nil, []) }
        guard let name = value.stringValue else { return (nil, [.stringType(loc, input: value)]) }
        guard choices.models.contains(name) else { return (nil, [.literal(loc, expected: choices.models, input: value)]) }
        return (name, [])
    }

    /// `tools`: names of configured tools, or absent/null for all of them.
    static func tools(_ value: JSONValue?, at loc: [JSONValue], choices: Choices) -> ([String]?, [ValidationIssue]) {
        guard let value, !value.isNull else { return (nil, []) }
        guard let items = value.arrayValue else { return (nil, [.listType(loc, input: value)]) }
        var names: [String] = []
        var issues: [ValidationIssue] = []
        for (index, item) in items.enumerated() {
            let here = loc + [.number(Double(index))]
            guard let name = item.stringValue else {
                issues.append(.stringType(here, input: item))
                continue
            }
            if choices.tools.contains(name) {
                if !names.contains(name) { names.append(name) }
            } else {
                issues.append(.literal(here, expected: choices.tools, input: item))
            }
        }
        return (issues.isEmpty ? names : nil, issues)
    }

    /// `response_format` in OpenAI's shape; `{"type":"text"}`, absent or null mean none.
    static func responseFormat(_ value: JSONValue?, at loc: [JSONValue]) -> (ResponseFormat?, [ValidationIssue]) {
        guard let value, !value.isNull else { return (nil, []) }
        guard let object = value.objectValue else { return (nil, [.objectType(loc, input: value)]) }
        switch object["type"]?.stringValue {
        case nil:
            return (nil, [.unionTagNotFound(loc, input: value)])
        case "text":
            return (nil, [])
        case "json_object":
            return (.jsonObject, [])
        case "json_schema":
            return jsonSchema(object["json_schema"], at: loc + ["json_schema"], format: value)
        case let tag?:
            return (nil, [.unionTagInvalid(loc, tag: tag, expected: ["text", "json_object", "json_schema"], input: value)])
        }
    }

    static let schemaNamePattern = "^[a-zA-Z0-9_-]{1,64}$"

    private static func jsonSchema(_ value: JSONValue?, at loc: [JSONValue], format: JSONValue) -> (ResponseFormat?, [ValidationIssue]) {
        guard let value else { return (nil, [.missing(loc, input: format)]) }
        guard let object = value.objectValue else { return (nil, [.objectType(loc, input: value)]) }
        var issues: [ValidationIssue] = []
        var name = ""
        if let raw = object["name"] {
            if let text = raw.stringValue {
                name = text
                if text.wholeMatch(of: /[a-zA-Z0-9_-]{1,64}/) == nil {
                    issues.append(.patternMismatch(loc + ["name"], pattern: schemaNamePattern, input: text))
                }
            } else {
                issues.append(.stringType(loc + ["name"], input: raw))
            }
        } else {
            issues.append(.missing(loc + ["name"], input: value))
        }
        var schema: JSONValue = [:]
        if let raw = object["schema"] {
            if raw.objectValue != nil { schema = raw } else { issues.append(.dictType(loc + ["schema"], input: raw)) }
        } else {
            issues.append(.missing(loc + ["schema"], input: value))
        }
        var strict: Bool?
        if let raw = object["strict"], !raw.isNull {
            if let flag = raw.boolValue { strict = flag } else { issues.append(.boolType(loc + ["strict"], input: raw)) }
        }
        var description: String?
        if let raw = object["description"], !raw.isNull {
            if let text = raw.stringValue { description = text } else { issues.append(.stringType(loc + ["description"], input: raw)) }
        }
        guard issues.isEmpty else { return (nil, issues) }
        return (.jsonSchema(name: name, schema: schema, strict: strict, description: description), [])
    }
}
