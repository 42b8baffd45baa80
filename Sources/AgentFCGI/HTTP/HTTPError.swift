import AgentCore
import Foundation

/// An error that knows its HTTP shape. Handlers throw it; the router turns it into the
/// FastAPI-compatible body `{"detail": …}` of docs/API.md §1 in one place.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    /// A string for most errors, an array of validation issues for 422.
    public var detail: JSONValue
    public var headers: [(name: String, value: String)]
    /// For 422: the issues, kept so the body can list their fields in FastAPI's order.
    public private(set) var issues: [ValidationIssue]?
    /// A machine-readable reason for bodies that have a field for it (the OpenAI front door's
    /// `error.code`); FastAPI's shape has none.
    public var code: String?

    public init(status: Int, detail: JSONValue, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    public init(_ status: Int, _ detail: String, headers: [(name: String, value: String)] = []) {
        self.init(status: status, detail: .string(detail), headers: headers)
    }

    public var description: String { "HTTP \(status): \(detail.serialized())" }

    public var response: HTTPResponse {
        var response: HTTPResponse
        if let issues {
            response = .json(serialized: "{\"detail\":[" + issues.map(\.serialized).joined(separator: ",") + "]}", status: status)
        } else {
            response = .json(fields: [("detail", detail)], status: status)
        }
        response.headers += headers
        return response
    }

    /// The same error with `code` set.
    public func withCode(_ code: String) -> HTTPError {
        var error = self
        error.code = code
        return error
    }

    public static func notFound(_ detail: String = "Not Found") -> HTTPError {
        HTTPError(404, detail)
    }

    /// `allow` lists the methods the path does accept; FastAPI sends them in `Allow`.
    public static func methodNotAllowed(allow: [String]) -> HTTPError {
        HTTPError(405, "Method Not Allowed", headers: [("Allow", allow.joined(separator: ", "))])
    }

    public static let bodyTooLarge = HTTPError(413, "Request body too large")

    public static func unprocessable(_ issues: [ValidationIssue]) -> HTTPError {
        var error = HTTPError(status: 422, detail: .array(issues.map(\.json)))
        error.issues = issues
        return error
    }

    /// 503 with `Retry-After`, for a draining responder or a full session table.
    public static func unavailable(_ detail: String, retryAfterSeconds: Int) -> HTTPError {
        HTTPError(503, detail, headers: [("Retry-After", String(retryAfterSeconds))])
    }

    public static func internalError(_ message: String) -> HTTPError {
        HTTPError(500, message)
    }
}
