import Foundation

/// One tool call requested by the model. `arguments` is the raw JSON text the model produced,
/// kept verbatim so it can be sent back to the provider unchanged.
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
