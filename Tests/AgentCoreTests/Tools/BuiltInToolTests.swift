import Foundation
import Testing
@testable import AgentCore

@Suite struct CalculatorTests {
    @Test(arguments: [
        ("2 + 3", "5"), ("2+3*4", "14"), ("(2+3)*4", "20"), ("10 / 4", "2.5"), ("7 % 3", "1"), ("2^10", "1024"),
        ("2**3**2", "512"), ("-2^2", "-4"), ("(-2)^2", "4"), ("--3", "3"), ("6 × 7", "42"), ("8 ÷ 2", "4"), ("5 − 2", "3"),
        ("sqrt(16)", "4"), ("abs(-3.5)", "3.5"), ("floor(2.7) + ceil(2.1)", "5"), ("round(2.5)", "3"), ("max(1, 7, 3)", "7"),
        ("min(4, -1)", "-1"), ("log(1000)", "3"), ("ln(e)", "1"), ("exp(0)", "1"), ("cos(0)", "1"), ("sin(pi/2)", "1"),
        ("0.1 + 0.2", "0.3"), ("1e3 + 2.5E-1", "1000.25"), ("2 * pi", "6.28318530717959"), ("10/3", "3.33333333333333"),
        ("2^-1", "0.5"), ("1e20", "1e+20"),
    ])
    func evaluates(_ expression: String, _ expected: String) throws {
        #expect(ExpressionEvaluator.format(try ExpressionEvaluator.evaluate(expression)) == expected)
    }

    @Test(arguments: [
        ("1 / 0", "division by zero"), ("5 % 0", "modulo by zero"), ("2 +", "the expression ends too early"),
        ("(1 + 2", "expected a closing parenthesis, found the end"), ("1 2", "unexpected number 2 after a complete expression"),
        ("foo(1)", "unknown function \"foo\""), ("x + 1", "unknown name \"x\""), ("sqrt(-1)", "sqrt of a negative number"),
        ("", "empty expression"), ("2 $ 3", "unexpected character \"$\""), ("log(0)", "log of a number that is not positive"),
        ("(-8)^(1/3)", "is not a real number"), ("10^400", "not a finite number"), ("sqrt(1, 2)", "sqrt takes one argument"),
    ])
    func rejects(_ expression: String, _ message: String) {
        do {
            let value = try ExpressionEvaluator.evaluate(expression)
            Issue.record("\(expression) evaluated to \(value), expected an error containing \(message)")
        } catch let error as ExpressionError {
            #expect(error.message.contains(message), "\(expression): \(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func toolReturnsErrorResultsForBadInput() async throws {
        let context = ToolContext(sessionId: "s", owner: nil, queryId: "q", toolCallId: "c")
        #expect(try await CalculatorTool().call(arguments: ["expression": "2 + 3"], context: context) == ToolOutput(content: "5"))
        let bad = try await CalculatorTool().call(arguments: ["expression": "1/0"], context: context)
        #expect(bad == .error("cannot evaluate \"1/0\": division by zero"))
    }
}

@Suite struct CurrentTimeTests {
    static let context = ToolContext(sessionId: "s", owner: nil, queryId: "q", toolCallId: "c")
    static let instant = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21T14:13:20Z, a Monday

    @Test func defaultsToUTC() async throws {
        let output = try await CurrentTimeTool(now: { Self.instant }).call(arguments: [:], context: Self.context)
        #expect(output == ToolOutput(content: "2026-09-21T14:13:20+00:00 UTC (Monday)"))
    }

    @Test func namedZoneCarriesItsOffset() async throws {
        let output = try await CurrentTimeTool(now: { Self.instant }).call(arguments: ["timezone": "Asia/Kolkata"],
                                                                          context: Self.context)
        #expect(output == ToolOutput(content: "2026-09-21T19:43:20+05:30 Asia/Kolkata (Monday)"))
    }

    @Test func unknownZoneIsAnErrorResult() async throws {
        let output = try await CurrentTimeTool().call(arguments: ["timezone": "Mars/Olympus"], context: Self.context)
        #expect(output.isError && output.content.contains("unknown time zone \"Mars/Olympus\""))
    }
}

@Suite struct ToolRegistryTests {
    @Test func builtInsComeInOrderAndNamesAreUnique() throws {
        var registry = ToolRegistry.builtIn()
        #expect(registry.names == ["calculator", "current_time"])
        #expect(throws: ToolRegistryError.self) { try registry.register(CalculatorTool()) }
        try registry.register(EchoTool())
        #expect(registry.definitions.map(\.name) == ["calculator", "current_time", "echo"])
        #expect(registry.tool(named: "echo") != nil && registry.tool(named: "nope") == nil)
        let removed = registry.remove(named: "calculator")
        #expect(removed)
        #expect(registry.names == ["current_time", "echo"])
    }

    @Test func rejectsNamesProvidersRefuse() throws {
        let spec = CommandToolSpec(name: "has space", description: "", argv: ["/bin/true"])
        #expect(throws: ToolRegistryError.self) { try ToolRegistry([CommandTool(spec: spec)]) }
    }
}

@Suite struct CommandToolSpecTests {
    @Test func readsAFullSpecFromConfigurationData() throws {
        let spec = try CommandToolSpec(json: [
            "name": "weather", "description": "Weather", "argv": ["/opt/weather", "--json"],
            "parameters": ["type": "object", "properties": ["city": ["type": "string"]]], "working_directory": "/opt",
            "env_allow": ["PATH"], "env": ["UNITS": "metric"], "timeout_seconds": 2.5, "output_cap_bytes": 100,
            "ephemeral": 2, "display_name": "Weather lookup",
        ])
        #expect(spec.argv == ["/opt/weather", "--json"] && spec.workingDirectory == "/opt")
        #expect(spec.environmentAllowList == ["PATH"] && spec.environment == ["UNITS": "metric"])
        #expect(spec.timeout == .milliseconds(2500) && spec.outputCap == 100 && spec.ephemeral == 2)
        #expect(spec.displayName == "Weather lookup")
        let registry = try ToolRegistry.configured(commandTools: [spec])
        #expect(registry.names == ["calculator", "current_time", "weather"])
    }

    static let badSpecs: [JSONValue] = [
        ["name": "x", "description": "d"], ["name": "x", "description": "d", "argv": "ls -l"],
        ["name": "x", "description": "d", "argv": ["ls", 1]], ["name": "x", "description": "d", "argv": ["ls"], "timeout_seconds": 0],
        ["name": "x", "description": "d", "argv": ["ls"], "env": ["A": 1]],
    ]

    @Test(arguments: badSpecs) func rejectsBadSpecs(_ json: JSONValue) {
        #expect(throws: ToolRegistryError.self) { try CommandToolSpec(json: json) }
    }
}
