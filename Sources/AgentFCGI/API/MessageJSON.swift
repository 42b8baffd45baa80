import AgentCore

/// A history message as `GET /sessions/{id}/messages` shows it, close to the OpenAI shape.
enum MessageJSON {
    static func encode(_ message: ChatMessage, index: Int) -> JSONValue {
        var object: [String: JSONValue] = [
            "index": .number(Double(index)),
            "role": .string(message.role.rawValue),
            "content": .string(message.content),
        ]
        if !message.toolCalls.isEmpty {
            object["tool_calls"] = .array(message.toolCalls.map { call in
                .object(["id": .string(call.id), "name": .string(call.name), "arguments": .string(call.arguments)])
            })
        }
        if let id = message.toolCallId { object["tool_call_id"] = .string(id) }
        if let name = message.toolName { object["name"] = .string(name) }
        if message.role == .tool { object["is_error"] = .bool(message.isError) }
        if let reasoning = message.reasoning { object["reasoning"] = .string(reasoning) }
        // `content` stays the text, as before; a message with images also lists every part.
        if let parts = message.parts { object["parts"] = .array(parts.map(\.json)) }
        return .object(object)
    }
}
