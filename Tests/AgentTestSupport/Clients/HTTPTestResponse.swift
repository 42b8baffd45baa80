import AgentCore
import Foundation

public struct HTTPTestResponse: Sendable {
    public let status: Int
    /// Lower-cased names.
    public let headers: [String: String]
    public let body: Data

    public init(head: String, body: Data) {
        let (status, headers) = parseHead(head)
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func json() throws -> JSONValue { try JSONValue.parse(body) }
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
