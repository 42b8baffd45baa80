import Foundation

/// Built-in: evaluates an arithmetic expression (see `ExpressionEvaluator` for the grammar).
public struct CalculatorTool: Tool {
    public init() {}

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "calculator",
            description: "Evaluate an arithmetic expression exactly instead of computing in your head. "
                + "Supports + - * / % ^ (or **), parentheses, sqrt, abs, sin, cos, tan, log (base 10), ln, exp, "
                + "floor, ceil, round, min, max and the constants pi and e. Angles are in radians.",
            parameters: [
                "type": "object",
                "properties": ["expression": ["type": "string", "description": "The expression, e.g. \"(2 + 3) * 4\""]],
                "required": ["expression"],
                "additionalProperties": false,
            ])
    }

    public var displayName: String { "Calculator" }

    public func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let expression = arguments["expression"]?.stringValue ?? ""
        do {
            return ToolOutput(content: ExpressionEvaluator.format(try ExpressionEvaluator.evaluate(expression)))
        } catch let error as ExpressionError {
            return .error("cannot evaluate \"\(expression)\": \(error.message)")
        }
    }
}
