import Foundation

/// What a tool call produced. An error output is shown to the model as an error result.
public struct ToolOutput: Sendable, Hashable {
    public var content: String
    public var isError: Bool
    public var screenshotBase64: String?

    public init(content: String, isError: Bool = false, screenshotBase64: String? = nil) {
        self.content = content
        self.isError = isError
        self.screenshotBase64 = screenshotBase64
    }

    public static func error(_ message: String) -> ToolOutput { ToolOutput(content: message, isError: true) }
}
