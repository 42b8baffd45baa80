import AgentCore
import Foundation

/// Turns one answer's token-level events (docs/API.md §1.2) into terminal output as they arrive:
/// text as is, thinking dimmed, each tool call on one line
/// (`⚙ calculator(2+3) → 5  [12 ms]`), then a dimmed usage line.
struct ChatRenderer {
    private(set) var status: String?
    /// The tool calls this answer left waiting for approval (`approval_request`), in order.
    private(set) var approvals: [JSONValue] = []
    private var sawText = false
    private var thinking = false
    /// Session tokens before this answer, to show what the answer itself cost.
    private var tokensBefore: Int?

    init(tokensBefore: Int?) {
        self.tokensBefore = tokensBefore
    }

    /// Session token total after the answer, once its usage event came.
    private(set) var tokensAfter: Int?

    mutating func render(_ event: JSONValue, to output: inout TerminalOutput) {
        switch event["type"]?.stringValue ?? "" {
        case "text_delta":
            endThinking(&output)
            sawText = true
            output.write(event["delta"]?.stringValue ?? "")
        case "thinking_start":
            output.breakLine()
            output.write(output.dim("thinking: "))
            thinking = true
        case "thinking_delta":
            if !thinking {
                output.breakLine()
                output.write(output.dim("thinking: "))
                thinking = true
            }
            // Kept on one dimmed line: deltas split words anywhere, so only line breaks change.
            output.write(output.dim((event["delta"]?.stringValue ?? "").replacingOccurrences(of: "\n", with: " ")))
        case "thinking_end":
            endThinking(&output)
        case "tool_call":
            endThinking(&output)
            output.breakLine()
            // The tool's own name, as a call is written, rather than its display name.
            let name = event["tool"]?.stringValue ?? event["display_name"]?.stringValue ?? "tool"
            output.write(output.cyan("⚙ \(name)") + "(\(ChatFormatting.arguments(event["args"])))")
        case "tool_result":
            let result = ChatFormatting.oneLine(event["result"]?.stringValue ?? "")
            output.write(event["is_error"]?.boolValue == true ? " → " + output.red("✗ \(result)") : " → \(result)")
        case "step_complete":
            let duration = event["duration_ms"]?.intValue.map { "  [\($0) ms]" } ?? ""
            let state = event["status"]?.stringValue.flatMap { $0 == "completed" ? nil : "  (\($0))" } ?? ""
            output.write(output.dim(duration + state) + "\n")
        case "approval_request":
            endThinking(&output)
            approvals.append(event)
            output.breakLine()
            let name = event["tool"]?.stringValue ?? "tool"
            output.line(output.cyan("⏸ \(name)") + "(\(ChatFormatting.arguments(event["args"]))) waits for your approval")
        case "hidden":
            output.line(output.dim("· \(event["content"]?.stringValue ?? "")"))
        case "final":
            endThinking(&output)
            status = event["status"]?.stringValue
            if !sawText, let content = event["content"]?.stringValue, !content.isEmpty { output.write(content) }
            if status == "awaiting_approval" {
                output.breakLine()
            } else if let status, status != "completed" {
                output.line(output.red("[\(status)]"))
            }
        case "usage":
            guard let usage = event["usage"] else { break }
            let total = usage["total_tokens"]?.intValue
            var line = "session " + ChatFormatting.usage(usage)
            if let total, let tokensBefore { line = "+\(total - tokensBefore) tokens · " + line }
            tokensAfter = total
            output.line(output.dim(line))
        case "error":
            endThinking(&output)
            status = "error"
            let code = event["code"]?.stringValue.map { " (\($0))" } ?? ""
            output.line(output.red("error\(code): \(event["error"]?.stringValue ?? "unknown")"))
        default:
            break
        }
    }

    private mutating func endThinking(_ output: inout TerminalOutput) {
        guard thinking else { return }
        thinking = false
        output.write("\n")
    }
}
