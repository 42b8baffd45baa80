import Testing
@testable import AgentCore

@Suite struct JSONSchemaValidatorTests {
    static let schema: JSONValue = [
        "type": "object",
        "properties": [
            "name": ["type": "string", "minLength": 1],
            "count": ["type": "integer", "minimum": 0],
            "ratio": ["type": "number", "exclusiveMaximum": 1],
            "unit": ["type": "string", "enum": ["c", "f"]],
            "tags": ["type": "array", "items": ["type": "string"], "maxItems": 2],
            "point": ["type": "object", "properties": ["x": ["type": "number"]], "required": ["x"]],
            "maybe": ["type": ["string", "null"]],
        ],
        "required": ["name"],
        "additionalProperties": false,
    ]

    @Test func acceptsAValidDocument() {
        let value: JSONValue = ["name": "a", "count": 3, "ratio": 0.5, "unit": "c", "tags": ["x"], "point": ["x": 1.5],
                                "maybe": nil]
        #expect(JSONSchemaValidator.validate(value, against: Self.schema) == [])
    }

    static let invalidCases: [(JSONValue, String)] = [
        (["count": 1], "$: missing required property \"name\""),
        (["name": 5], "$.name: expected string, got integer 5"),
        (["name": "a", "count": 1.5], "$.count: expected integer, got number 1.5"),
        (["name": "a", "count": -1], "$.count: must be >= 0, got -1"),
        (["name": "a", "ratio": 1], "$.ratio: must be < 1, got 1"),
        (["name": "a", "unit": "k"], "$.unit: \"k\" is not one of [\"c\", \"f\"]"),
        (["name": "a", "tags": ["x", 2]], "$.tags[1]: expected string, got integer 2"),
        (["name": "a", "tags": ["x", "y", "z"]], "$.tags: allows at most 2 items, got 3"),
        (["name": "a", "point": [:]], "$.point: missing required property \"x\""),
        (["name": "a", "point": ["x": "1"]], "$.point.x: expected number, got string \"1\""),
        (["name": "a", "other": true], "$: unexpected property \"other\""),
        (["name": ""], "$.name: must be at least 1 characters long, got 0"),
        (["name": "a", "maybe": 3], "$.maybe: expected string or null, got integer 3"),
        ("text", "$: expected object, got string \"text\""),
    ]

    @Test(arguments: invalidCases) func reportsWhatIsWrong(_ value: JSONValue, _ expected: String) {
        let problems = JSONSchemaValidator.validate(value, against: Self.schema)
        #expect(problems.contains { $0.hasPrefix(expected) }, "expected \(expected), got \(problems)")
    }

    @Test func combinatorsAndPatterns() {
        let schema: JSONValue = ["anyOf": [["type": "string", "pattern": "^[a-z]+$"], ["type": "integer"]]]
        #expect(JSONSchemaValidator.validate("abc", against: schema) == [])
        #expect(JSONSchemaValidator.validate(3, against: schema) == [])
        #expect(JSONSchemaValidator.validate("ABC", against: schema) == ["$: matches none of the allowed forms (anyOf)"])
        #expect(JSONSchemaValidator.validate(["a": 1], against: ["type": "object", "additionalProperties": ["type": "string"]])
            == ["$.a: expected string, got integer 1"])
    }
}
