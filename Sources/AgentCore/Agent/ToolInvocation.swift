import Foundation

/// One tool call of a turn, checked and ready to run.
struct ToolInvocation: Sendable {
    let call: ToolCall
    let tool: (any Tool)?
    /// The parsed arguments, or `{"_raw": text}` when they are not JSON (what `tool_call` shows).
    let arguments: JSONValue
    /// Set when the call cannot run (unknown tool, bad JSON, schema violation): its error result.
    let rejection: String?
    let timeout: Duration

    var displayName: String { tool?.displayName ?? call.name }

    /// `rejectedBecause` refuses a call that would otherwise run (a person rejected it).
    init(call: ToolCall, tools: [any Tool], defaultTimeout: Duration, rejectedBecause: String? = nil) {
        self.call = call
        let tool = tools.first { $0.definition.name == call.name }
        self.tool = tool
        self.timeout = tool?.timeout ?? defaultTimeout
        let text = call.arguments.trimmingCharacters(in: .whitespacesAndNewlines)
        var parsed: JSONValue?
        var rejection: String?
        if text.isEmpty {
            // Providers send "" for a call without arguments.
            parsed = .object([:])
        } else {
            do {
                parsed = try JSONValue.parse(text)
            } catch {
                rejection = "the arguments are not valid JSON (\(error)); send one JSON object matching the tool's schema"
            }
        }
        self.arguments = parsed ?? .object(["_raw": .string(call.arguments)])
        if let tool {
            if rejection == nil, let parsed {
                let problems = JSONSchemaValidator.validate(parsed, against: tool.definition.parameters)
                if !problems.isEmpty {
                    rejection = "invalid arguments for \(call.name): " + problems.joined(separator: "; ")
                }
            }
        } else {
            let known = tools.map(\.definition.name).joined(separator: ", ")
            rejection = "unknown tool \"\(call.name)\"; available tools: \(known.isEmpty ? "none" : known)"
        }
        self.rejection = rejectedBecause ?? rejection
    }

    struct Result: Sendable {
        var output: ToolOutput
        var status: StepStatus
        var durationMs: Int
    }

    private enum Race: Sendable {
        case finished(ToolOutput)
        case failed(String)
        case cancelled
        case timedOut
    }

    /// Runs the call under its deadline. Never throws: every ending is a result the model sees.
    func execute(context: ToolContext) async -> Result {
        let start = ContinuousClock.now
        let name = call.name, known = tool != nil
        func result(_ output: ToolOutput, _ status: StepStatus) -> Result {
            // Unknown names are the model's invention: not a label worth a time series.
            AgentMetrics.toolCall(tool: known ? name : "unknown", status: status, started: start)
            return Result(output: output, status: status, durationMs: Int(start.duration(to: .now).inMilliseconds))
        }
        if let rejection { return result(.error(rejection), .error) }
        guard let tool, !Task.isCancelled else { return result(.error("cancelled"), .cancelled) }

        let arguments = self.arguments, timeout = self.timeout
        let race = await withTaskGroup(of: Race?.self) { group -> Race in
            group.addTask {
                do {
                    return .finished(try await tool.call(arguments: arguments, context: context))
                } catch is CancellationError {
                    return .cancelled
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                do {
                    try await CancellableSleep.sleep(for: timeout)
                    return .timedOut
                } catch {
                    return nil
                }
            }
            var outcome = Race.cancelled
            for await value in group {
                if let value {
                    outcome = value
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
        switch race {
        case .finished(let output) where Task.isCancelled && output.isError:
            return result(.error("cancelled"), .cancelled)
        case .finished(let output):
            return result(output, output.isError ? .error : .completed)
        case .failed where Task.isCancelled:
            return result(.error("cancelled"), .cancelled)
        case .failed(let message):
            return result(.error("tool \(call.name) failed: \(message)"), .error)
        case .cancelled:
            if Task.isCancelled { return result(.error("cancelled"), .cancelled) }
            return result(.error("tool \(call.name) was cancelled"), .error)
        case .timedOut:
            return result(.error("tool timed out after \(timeout.secondsText)s"), .error)
        }
    }
}
