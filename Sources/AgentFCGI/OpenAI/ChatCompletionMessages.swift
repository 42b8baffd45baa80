import AgentCore

/// The `messages` of a chat completion body as the agent takes them: system and developer
/// messages joined into the system prompt, the last message (which must be the user's) as the
/// query, and the rest, in order, as the history a new session starts with.
struct ChatCompletionMessages: Sendable {
    var systemPrompt: String?
    var history: [ChatMessage] = []
    var last: ChatMessage?
    var issues: [ValidationIssue] = []

    static let roles = ["system", "developer", "user", "assistant", "tool"]

    init(_ value: JSONValue?, body: JSONValue) {
        let loc: [JSONValue] = ["body", "messages"]
        guard let value else {
            issues.append(.missing(loc, input: body))
            return
        }
        guard let items = value.arrayValue else {
            issues.append(.listType(loc, input: value))
            return
        }
        guard !items.isEmpty else {
            issues.append(.tooShort(loc, input: value))
            return
        }
        var system: [String] = []
        var messages: [ChatMessage] = []
        for (index, item) in items.enumerated() {
            let here = loc + [.number(Double(index))]
            guard let object = item.objectValue else {
                issues.append(.objectType(here, input: item))
                continue
            }
            guard let role = object["role"]?.stringValue, Self.roles.contains(role) else {
                issues.append(object["role"] == nil ? .missing(here + ["role"], input: item)
                                                    : .literal(here + ["role"], expected: Self.roles, input: object["role"]!))
                continue
            }
            let content = object["content"]
            let contentLoc = here + ["content"]
            switch role {
            case "user":
                let (message, found) = QueryFields.message(content, at: contentLoc, body: item)
                issues += found
                if let message { messages.append(message) }
            case "system", "developer":
                if let text = text(content, at: contentLoc, item: item, optional: false) { system.append(text) }
            case "assistant":
                // Content may be null when the message only called (client) tools.
                if let text = text(content, at: contentLoc, item: item, optional: true), !text.isEmpty {
                    messages.append(.assistant(text))
                }
            default:
                if let text = text(content, at: contentLoc, item: item, optional: false) {
                    let call = object["tool_call_id"]?.stringValue.map { " \($0)" } ?? ""
                    messages.append(.user("Result of the client's tool call\(call): \(text)"))
                }
            }
        }
        guard issues.isEmpty else { return }
        guard let final = messages.last, final.role == .user, items.last?["role"]?.stringValue == "user" else {
            issues.append(.valueError(loc + [.number(Double(items.count - 1)), "role"],
                                      "the last message must be the user's: it is what the agent answers",
                                      input: items.last?["role"] ?? .null))
            return
        }
        systemPrompt = system.isEmpty ? nil : system.joined(separator: "\n\n")
        history = Array(messages.dropLast())
        last = final
    }

    /// Text content: a string, or a list of text parts joined.
    private mutating func text(_ value: JSONValue?, at loc: [JSONValue], item: JSONValue, optional: Bool) -> String? {
        switch value {
        case nil, .null?:
            if !optional { issues.append(.missing(loc, input: item)) }
            return optional ? "" : nil
        case .string(let text)?:
            return text
        case .array(let parts)?:
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                // Refusal parts (assistant) carry their text under `refusal`.
                guard let text = part["text"]?.stringValue ?? part["refusal"]?.stringValue else {
                    issues.append(.valueError(loc + [.number(Double(index))], "only text parts are accepted here", input: part))
                    continue
                }
                texts.append(text)
            }
            return texts.joined(separator: "\n")
        case let other?:
            issues.append(.stringType(loc, input: other))
            return nil
        }
    }
}
