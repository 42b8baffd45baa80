import Foundation

/// A transport failure: no HTTP status was involved, or the body broke off. Protocol-neutral;
/// the LLM layer maps it to `LLMError`.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case connect, timeout, tls, transfer, bodyTooLarge, invalidRequest, cancelled
    }

    public var kind: Kind
    public var host: String
    public var message: String
    /// The libcurl result code, when libcurl reported the failure.
    public var curlCode: Int?

    public init(kind: Kind, host: String, message: String, curlCode: Int? = nil) {
        self.kind = kind
        self.host = host
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        "HTTP \(kind.rawValue) error talking to \(host): \(message)" + (curlCode.map { " (curl \($0))" } ?? "")
    }
}
