import AgentCore
import Foundation

extension HTTPRequest {
    /// The body as a JSON object, or a 422 shaped like FastAPI's for a body model:
    /// empty body → `missing` at `["body"]`, bad JSON → `json_invalid`, non-object → `model_attributes_type`.
    public func jsonObjectBody() throws(HTTPError) -> [String: JSONValue] {
        guard !body.isEmpty else {
            throw .unprocessable([.missing(["body"], input: .null)])
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw .unprocessable([.jsonInvalid(position: Self.bytePosition(of: error), reason: Self.reason(of: error))])
        }
        guard let object = value.objectValue else {
            throw .unprocessable([.objectType(["body"], input: value)])
        }
        return object
    }

    /// An integer query parameter within bounds, `defaultValue` when absent; 422 otherwise.
    public func integerQuery(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(HTTPError) -> Int {
        guard let text = query(name) else { return defaultValue }
        let loc: [JSONValue] = ["query", .string(name)]
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw .unprocessable([.intParsing(loc, input: text)])
        }
        if value < range.lowerBound {
            throw .unprocessable([.greaterThanOrEqual(loc, bound: range.lowerBound, input: .string(text))])
        }
        if value > range.upperBound {
            throw .unprocessable([.lessThanOrEqual(loc, bound: range.upperBound, input: .string(text))])
        }
        return value
    }

    // JSONParseError only carries a message ending in "at byte N"; FastAPI reports that position.
    private static func bytePosition(of error: any Error) -> Int {
        let text = String(describing: error)
        guard let range = text.range(of: "at byte ", options: .backwards) else { return 0 }
        return Int(text[range.upperBound...].prefix(while: \.isNumber)) ?? 0
    }

    private static func reason(of error: any Error) -> String {
        guard let parseError = error as? JSONParseError else { return String(describing: error) }
        let message = parseError.message
        guard let range = message.range(of: " at byte ", options: .backwards) else { return message }
        return String(message[..<range.lowerBound])
    }
}
