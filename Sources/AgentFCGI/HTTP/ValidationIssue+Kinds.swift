import AgentCore

/// More of pydantic v2's error kinds, worded as it words them (the query options and the
/// OpenAI front door use them).
extension ValidationIssue {
    /// pydantic's way of listing choices: `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
    static func choices(_ values: [String]) -> String {
        let quoted = values.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "''" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    }

    static func literal(_ loc: [JSONValue], expected: [String], input: JSONValue) -> ValidationIssue {
        let listed = choices(expected)
        return ValidationIssue(type: "literal_error", loc: loc, msg: "Input should be \(listed)", input: input,
                               ctx: ["expected": .string(listed)])
    }

    static func listType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "list_type", loc: loc, msg: "Input should be a valid list", input: input)
    }

    static func dictType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "dict_type", loc: loc, msg: "Input should be a valid dictionary", input: input)
    }

    static func intType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "int_type", loc: loc, msg: "Input should be a valid integer", input: input)
    }

    static func numberType(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "float_type", loc: loc, msg: "Input should be a valid number", input: input)
    }

    static func tooShort(_ loc: [JSONValue], input: JSONValue, minimum: Int = 1, actual: Int = 0) -> ValidationIssue {
        ValidationIssue(type: "too_short", loc: loc,
                        msg: "List should have at least \(minimum) item\(minimum == 1 ? "" : "s") after validation, not \(actual)",
                        input: input, ctx: ["field_type": "List", "min_length": .number(Double(minimum)),
                                            "actual_length": .number(Double(actual))])
    }

    /// A tagged union (`type`) with a tag it does not know.
    static func unionTagInvalid(_ loc: [JSONValue], tag: String, expected: [String], input: JSONValue) -> ValidationIssue {
        let tags = expected.map { "'\($0)'" }.joined(separator: ", ")
        return ValidationIssue(type: "union_tag_invalid", loc: loc,
                               msg: "Input tag '\(tag)' found using 'type' does not match any of the expected tags: \(tags)",
                               input: input, ctx: ["discriminator": "'type'", "tag": .string(tag), "expected_tags": .string(tags)])
    }

    static func unionTagNotFound(_ loc: [JSONValue], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "union_tag_not_found", loc: loc, msg: "Unable to extract tag using discriminator 'type'",
                        input: input, ctx: ["discriminator": "'type'"])
    }

    /// A custom check failed: `reason` says what is wrong and what would be right.
    static func valueError(_ loc: [JSONValue], _ reason: String, input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "value_error", loc: loc, msg: "Value error, \(reason)", input: input)
    }
}
