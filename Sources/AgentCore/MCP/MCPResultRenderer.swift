import Foundation
import MCP

/// Turns a `tools/call` result into what the model sees: text blocks as they are, structured
/// content as JSON (unless a text block already holds the same JSON, as the spec asks servers to
/// send), embedded resources by their text or a line describing them, images and audio described
/// (the first image also rides along as the event's screenshot). `isError` makes an error result;
/// past `cap` bytes the text is cut with a marker.
enum MCPResultRenderer {
    static func output(_ result: CallTool.Result, cap: Int) -> ToolOutput {
        var parts: [String] = []
        var image: String?
        var textJSON: [JSONValue] = []
        for item in result.content {
            switch item {
            case .text(let text, _, _):
                parts.append(text)
                textJSON.append((try? JSONValue.parse(text)) ?? .string(text))
            case .image(let data, let mimeType, _, _):
                parts.append("[image: \(mimeType), \(describeSize(base64: data))]")
                if image == nil, ["image/png", "image/jpeg"].contains(mimeType) { image = data }
            case .audio(let data, let mimeType, _, _):
                parts.append("[audio: \(mimeType), \(describeSize(base64: data))]")
            case .resource(let resource, _, _):
                if let text = resource.text {
                    parts.append("[resource \(resource.uri)\(resource.mimeType.map { " (\($0))" } ?? "")]\n\(text)")
                } else {
                    parts.append("[resource \(resource.uri): \(resource.mimeType ?? "binary"), "
                                 + "\(describeSize(base64: resource.blob ?? ""))]")
                }
            case .resourceLink(let uri, let name, _, let description, let mimeType, _):
                parts.append("[resource link: \(name) <\(uri)>\(mimeType.map { " (\($0))" } ?? "")"
                             + "\(description.map { ": \($0)" } ?? "")]")
            }
        }
        if let structured = result.structuredContent.flatMap(json), !textJSON.contains(structured) {
            // SDKs wrap a non-object return value as {"result": value}; the text already says it.
            let wrapped = structured.objectValue.flatMap { $0.count == 1 ? $0["result"] : nil }
            if wrapped.map({ !textJSON.contains($0) }) ?? true { parts.append(structured.serialized()) }
        }
        var text = parts.joined(separator: "\n")
        if text.utf8.count > cap {
            let total = text.utf8.count
            text = cut(text, to: cap) + "\n[output cut at \(cap) of \(total) bytes]"
        }
        if result.isError == true, text.isEmpty { text = "the tool reported an error without a message" }
        return ToolOutput(content: text, isError: result.isError == true, screenshotBase64: image)
    }

    /// The longest prefix within `cap` bytes that does not split a character.
    static func cut(_ text: String, to cap: Int) -> String {
        var bytes = Array(text.utf8.prefix(cap))
        // Find where the last character starts; drop it when its sequence is incomplete.
        var start = bytes.count - 1
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        if start >= 0, start < bytes.count {
            let lead = bytes[start]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            if bytes.count - start < length { bytes.removeSubrange(start...) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func describeSize(base64: String) -> String {
        let bytes = base64.utf8.count * 3 / 4
        return bytes >= 1024 ? "\(bytes / 1024) KiB" : "\(bytes) bytes"
    }

    /// SDK value to our JSON (both are Codable JSON trees).
    static func json(_ value: Value) -> JSONValue? {
        guard let data = try? JSONEncoder().encode(value) else { return nil }
        return try? JSONValue.parse(data)
    }

    static func value(_ json: JSONValue) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(json.serialized().utf8))
    }
}
