import Foundation
import Logging

/// Runs a `CommandToolSpec` per call (see there for the contract with the program).
public struct CommandTool: Tool {
    public let spec: CommandToolSpec
    private let inheritedEnvironment: [String: String]
    private let logger: Logger

    /// `serverEnvironment` is what the allow-list picks from (the process environment by default).
    public init(spec: CommandToolSpec, serverEnvironment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "agent-fcgi.tool")) throws {
        guard let program = spec.argv.first, !program.isEmpty else {
            throw ToolRegistryError(message: "command tool \"\(spec.name)\": argv is empty")
        }
        guard spec.timeout > .zero, spec.outputCap > 0 else {
            throw ToolRegistryError(message: "command tool \"\(spec.name)\": timeout and output cap must be positive")
        }
        self.spec = spec
        self.inheritedEnvironment = serverEnvironment.filter { spec.environmentAllowList.contains($0.key) }
        self.logger = logger
    }

    public var definition: ToolDefinition {
        ToolDefinition(name: spec.name, description: spec.description, parameters: spec.parameters)
    }

    public var displayName: String { spec.displayName ?? spec.name }

    /// A little longer than the process timeout, so the process's own timeout (with its clearer
    /// message) fires first and the agent's deadline is only a backstop.
    public var timeout: Duration? { spec.timeout + .seconds(2) }

    public var ephemeral: Int? { spec.ephemeral }

    public func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let environment = inheritedEnvironment.merging(spec.environment) { _, fixed in fixed }
        let result = try await ChildProcess.run(
            argv: spec.argv, environment: environment, workingDirectory: spec.workingDirectory,
            stdin: Array((arguments.serialized() + "\n").utf8), timeout: spec.timeout, outputCap: spec.outputCap)
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        let stderr = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let metadata: Logger.Metadata = ["tool": "\(spec.name)", "session_id": "\(context.sessionId)",
                                         "tool_call_id": "\(context.toolCallId)"]
        if !stderr.isEmpty {
            // stderr may echo the arguments, i.e. what the user wrote: its text only at debug.
            logger.info("command tool wrote to stderr", metadata: metadata.merging(["stderr_bytes": "\(result.stderr.count)"]) { $1 })
            logger.debug("command tool stderr", metadata: metadata.merging(["stderr": "\(stderr)"]) { $1 })
        }
        if result.cancelled {
            throw CancellationError()
        }
        if result.timedOut {
            return .error("command timed out after \(spec.timeout.secondsText)s; its process group was killed"
                + Self.tail(stderr))
        }
        if result.stdoutTruncated {
            return ToolOutput(content: stdout + "\n[output cut at \(spec.outputCap) bytes; the command was stopped]")
        }
        if let status = result.exitStatus, status != 0 {
            logger.warning("command tool failed", metadata: metadata.merging(["exit_status": "\(status)"]) { $1 })
            return .error("command exited with status \(status)" + Self.tail(stderr)
                + (stdout.isEmpty ? "" : "\nstdout: \(stdout.suffix(2000))"))
        }
        if let signal = result.signal {
            return .error("command was killed by signal \(signal)" + Self.tail(stderr))
        }
        return ToolOutput(content: stdout)
    }

    private static func tail(_ stderr: String) -> String {
        stderr.isEmpty ? "" : "\nstderr: \(stderr.suffix(2000))"
    }
}
