import MCP

/// Why an MCP server could not be used, in words for the log, `/status` and the model.
struct MCPServerError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// The SDK's errors print as Swift values; this keeps the message.
    static func describe(_ error: any Error) -> String {
        if let error = error as? MCPError { return error.errorDescription ?? "\(error)" }
        return "\(error)"
    }
}
