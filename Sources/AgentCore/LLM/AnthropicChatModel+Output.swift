import Foundation

/// What the Messages API lacks and OpenAI has: `response_format` and image URLs in OpenAI's form.
extension AnthropicChatModel {
    /// The tool that carries a `response_format` answer: the model answers by calling it, its
    /// input is the answer, and the decoder turns that input back into answer text.
    struct AnswerTool: Sendable, Hashable {
        var name: String
        /// Anthropic wants an object schema at the root; any other schema is wrapped as
        /// `{"value": …}`, and the decoder unwraps it.
        var wrapsValue: Bool
        var definition: JSONValue
    }

    static func answerTool(for format: ResponseFormat, avoiding taken: [String]) -> AnswerTool {
        var name = "final_answer"
        while taken.contains(name) { name += "_json" }
        var schema = format.schema
        let isObject = schema["type"]?.stringValue == "object"
        if !isObject { schema = ["type": "object", "properties": ["value": schema], "required": ["value"]] }
        let description = "Give your final answer to the user by calling this tool: its input is the whole answer, as "
            + "JSON that matches the input schema. Call the other tools first when you need them."
        return AnswerTool(name: name, wrapsValue: !isObject,
                          definition: ["name": .string(name), "description": .string(description), "input_schema": schema])
    }

    /// With a response format, the answer tool joins the tools and the model must call a tool:
    /// that one alone when no other may be used, else any (the others first, the answer last).
    static func toolChoice(_ choice: ToolChoice, answer: AnswerTool?, hasOtherTools: Bool) -> JSONValue {
        if let answer {
            switch choice {
            case .tool(let name): return ["type": "tool", "name": .string(name)]
            case .none: return ["type": "tool", "name": .string(answer.name)]
            case .auto, .required:
                return hasOtherTools ? ["type": "any"] : ["type": "tool", "name": .string(answer.name)]
            }
        }
        switch choice {
        case .auto: return ["type": "auto"]
        case .none: return ["type": "none"]
        case .required: return ["type": "any"]
        case .tool(let name): return ["type": "tool", "name": .string(name)]
        }
    }

    /// A user message's parts as content blocks: a data URL becomes a base64 source, any other
    /// URL a URL source (Anthropic fetches it).
    static func blocks(_ parts: [ContentPart]) -> [JSONValue] {
        parts.map { part in
            switch part {
            case .text(let text):
                return ["type": "text", "text": .string(text)]
            case .image(let url, _):
                if let (mediaType, data) = ContentPart.dataURL(url) {
                    return ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(data)]]
                }
                return ["type": "image", "source": ["type": "url", "url": .string(url)]]
            }
        }
    }
}
