import Foundation
import Synchronization
@testable import AgentCore

/// Echoes its arguments; a schema with nested and typed fields for validation tests.
struct EchoTool: Tool {
    var definition: ToolDefinition {
        ToolDefinition(name: "echo", description: "Echo the arguments", parameters: [
            "type": "object",
            "properties": ["text": ["type": "string"], "count": ["type": "integer"]],
            "required": ["text"],
            "additionalProperties": false,
        ])
    }

    func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        ToolOutput(content: "echo: \(arguments["text"]?.stringValue ?? "") [\(context.sessionId)/\(context.owner ?? "-")/\(context.toolCallId)]")
    }
}

/// Waits until `expected` calls are inside it at the same time: proof that calls overlap,
/// without measuring time. Returns "met" when they did; a call that never meets the others
/// is stopped by its deadline.
struct RendezvousTool: Tool {
    final class Room: Sendable {
        let inside = Atomic<Int>(0)
        let maximum = Atomic<Int>(0)
    }

    let name: String
    let room: Room
    let expected: Int
    var timeout: Duration? { .seconds(20) }

    var definition: ToolDefinition {
        ToolDefinition(name: name, description: "Meet the other calls", parameters: ["type": "object"])
    }

    func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let now = room.inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        _ = room.maximum.max(now, ordering: .sequentiallyConsistent)
        while room.maximum.load(ordering: .sequentiallyConsistent) < expected {
            try await Task.sleep(for: .milliseconds(2))
        }
        return ToolOutput(content: "met \(context.toolCallId)")
    }
}

/// Counts how many calls run at once (for the concurrency bound).
struct ProbeTool: Tool {
    final class Counter: Sendable {
        let inside = Atomic<Int>(0)
        let maximum = Atomic<Int>(0)
    }

    let counter: Counter

    var definition: ToolDefinition { ToolDefinition(name: "probe", description: "Probe", parameters: ["type": "object"]) }

    func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let now = counter.inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        _ = counter.maximum.max(now, ordering: .sequentiallyConsistent)
        try await Task.sleep(for: .milliseconds(20))
        counter.inside.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        return ToolOutput(content: "probed")
    }
}

/// Never finishes on its own: for deadlines and cancellation.
struct HangingTool: Tool {
    var timeout: Duration?

    var definition: ToolDefinition { ToolDefinition(name: "hang", description: "Hang", parameters: ["type": "object"]) }

    func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        try await Task.sleep(for: .seconds(3600))
        return ToolOutput(content: "woke up")
    }
}

/// Throws, as a buggy tool would.
struct CrashingTool: Tool {
    struct Boom: Error, CustomStringConvertible { var description: String { "disk on fire" } }

    var definition: ToolDefinition { ToolDefinition(name: "crash", description: "Crash", parameters: ["type": "object"]) }

    func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        throw Boom()
    }
}
