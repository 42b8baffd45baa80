import AgentCore
import Foundation

public struct HTTPTestResponse: Sendable {
    public let status: Int
    /// Lower-cased names.
    public let headers: [String: String]
    public let body: Data
    /// For a 502 or 504 (the web server's own page: the responder failed it), what the stack's
    /// logs said then; empty otherwise. Part of `text`, so a failed expectation carries it.
    public var diagnostics = ""

    public init(head: String, body: Data) {
        let (status, headers) = parseHead(head)
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) + diagnostics }

    public func json() throws -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw TestFailure("HTTP \(status) body is not JSON (\(error)): \(text.prefix(8000))")
        }
    }
}

/// The status and lower-cased header fields of an HTTP response head.
func parseHead(_ head: String) -> (Int, [String: String]) {
    let lines = head.components(separatedBy: "\r\n")
    let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return (status, headers)
}
