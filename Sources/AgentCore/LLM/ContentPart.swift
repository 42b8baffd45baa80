import Foundation

/// One part of a user message that is more than text: OpenAI's content parts, the form clients
/// send and `GET /sessions/{id}/messages` shows. Each provider gets its own rendering (OpenAI
/// parts, Anthropic `image` blocks).
///
/// Stored in the session history as JSON in OpenAI's shape (`{"type":"text","text":…}`,
/// `{"type":"image_url","image_url":{"url":…,"detail":…}}`).
public enum ContentPart: Sendable, Hashable, Codable {
    case text(String)
    /// `url` is a `data:image/…;base64,` URL or an https URL; `detail` is OpenAI's `auto`/`low`/`high`.
    case image(url: String, detail: String?)

    /// The image media types every provider we speak accepts.
    public static let imageMediaTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    public var isImage: Bool {
        if case .image = self { return true }
        return false
    }

    /// OpenAI's JSON for the part.
    public var json: JSONValue {
        switch self {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .image(let url, let detail):
            var image: [String: JSONValue] = ["url": .string(url)]
            if let detail { image["detail"] = .string(detail) }
            return ["type": "image_url", "image_url": .object(image)]
        }
    }

    /// A data URL split into its media type and base64 payload; nil for any other URL.
    public static func dataURL(_ url: String) -> (mediaType: String, base64: String)? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        return (String(header.dropLast(7)).lowercased(), String(url[url.index(after: comma)...]))
    }

    public init(from decoder: Decoder) throws {
        let value = try JSONValue(from: decoder)
        switch value["type"]?.stringValue {
        case "text":
            self = .text(value["text"]?.stringValue ?? "")
        case "image_url":
            guard let url = value["image_url"]?["url"]?.stringValue else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "image_url part without a url"))
            }
            self = .image(url: url, detail: value["image_url"]?["detail"]?.stringValue)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown content part \(value.serialized().prefix(80))"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        try json.encode(to: encoder)
    }
}
