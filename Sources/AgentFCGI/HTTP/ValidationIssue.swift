import AgentCore
import Foundation

/// One entry of a FastAPI 422 `detail` array, worded as pydantic v2 words it, because clients
/// of the reference server match on `type` and show `msg`.
public struct ValidationIssue: Sendable, Equatable {
    public var type: String
    /// Where the problem is: `["body", "message"]`, `["query", "events"]`, `["path", "id"]`.
    public var loc: [JSONValue]
    public var msg: String
    public var input: JSONValue
    public var ctx: JSONValue?

    public init(type: String, loc: [JSONValue], msg: String, input: JSONValue, ctx: JSONValue? = nil) {
        self.type = type
        self.loc = loc
        self.msg = msg
        self.input = input
        self.ctx = ctx
    }

    /// One JSON object in FastAPI's field order: type, loc, msg, input, ctx.
    public var serialized: String {
        var fields: [(String, JSONValue)] = [("type", .string(type)), ("loc", .array(loc)), ("msg", .string(msg)), ("input", input)]
        if let ctx { fields.append(("ctx", ctx)) }
        return JSONValue.serializeObject(fields)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["type": .string(type), "loc": .array(loc), "msg": .string(msg), "input": input]
        if let ctx { object["ctx"] = ctx }
        return .object(object)
    }

    /// `input` is the object the field was missing from (FastAPI shows the whole body).
    public static func missing(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "missing", loc: loc, msg: "Field required", input: input)
    }

    /// `position` is the byte offset where parsing failed, `reason` the parser's message.
    public static func jsonInvalid(position: Int, reason: String) -> ValidationIssue {
        ValidationIssue(type: "json_invalid", loc: ["body", .number(Double(position))], msg: "JSON decode error",
                        input: .object([:]), ctx: ["error": .string(reason)])
    }

    public static func stringType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "string_type", loc: loc, msg: "Input should be a valid string", input: input)
    }

    public static func boolType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "bool_type", loc: loc, msg: "Input should be a valid boolean", input: input)
    }

    /// The body was valid JSON but not an object.
    public static func objectType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "model_attributes_type", loc: loc,
                        msg: "Input should be a valid dictionary or object to extract fields from", input: input)
    }

    public static func intParsing(_ loc: [JSONValue], input: String) -> ValidationIssue {
        ValidationIssue(type: "int_parsing", loc: loc, msg: "Input should be a valid integer, unable to parse string as an integer",
                        input: .string(input))
    }

    public static func greaterThanOrEqual(_ loc: [JSONValue], bound: Int, input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "greater_than_equal", loc: loc, msg: "Input should be greater than or equal to \(bound)",
                        input: input, ctx: ["ge": .number(Double(bound))])
    }

    public static func lessThanOrEqual(_ loc: [JSONValue], bound: Int, input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "less_than_equal", loc: loc, msg: "Input should be less than or equal to \(bound)",
                        input: input, ctx: ["le": .number(Double(bound))])
    }

    public static func patternMismatch(_ loc: [JSONValue], pattern: String, input: String) -> ValidationIssue {
        ValidationIssue(type: "string_pattern_mismatch", loc: loc, msg: "String should match pattern '\(pattern)'",
                        input: .string(input), ctx: ["pattern": .string(pattern)])
    }
}
