import Foundation

extension AgentRun {
    /// Runs one turn's tool calls, at most `maxConcurrentTools` at a time, each under its own
    /// deadline, and appends their results to the history in call order.
    ///
    /// Events stay grouped per call and in call order even though calls finish in any order:
    /// call k's `step_start` and `tool_call` go out once call k-1 is complete (call 1's at once),
    /// its `tool_result` and `step_complete` once it has finished. Cancellation reaches every
    /// running call; calls that never ran still get their four events and a "cancelled" result.
    ///
    /// With `decisions` (the continuation of a paused turn) a rejected call, or one without a
    /// decision, does not run: its result is the rejection the model reads.
    ///
    /// Returns the final message when a `done` call succeeded.
    func runToolCalls(_ calls: [ToolCall], decisions: [String: ApprovalDecision]? = nil) async -> String? {
        guard !calls.isEmpty else { return nil }
        let invocations = calls.map { call in
            let decision = decisions.map { $0[call.id] ?? ApprovalDecision(approve: false, reason: "no decision was made") }
            return ToolInvocation(call: call, tools: tools, defaultTimeout: settings.defaultToolTimeout,
                                  rejectedBecause: decision.flatMap { $0.approve ? nil : $0.rejectionResult })
        }
        let firstStep = stepNumber + 1
        stepNumber += invocations.count
        let limit = max(settings.maxConcurrentTools, 1)
        let context = self.context
        var results: [Int: ToolInvocation.Result] = [:]
        var nextToReport = 0
        var doneMessage: String?

        await announce(invocations[0], step: firstStep)
        await withTaskGroup(of: (Int, ToolInvocation.Result).self) { group in
            var launched = 0
            func launchNext() {
                let index = launched, invocation = invocations[index]
                launched += 1
                group.addTask {
                    (index, await invocation.execute(context: context.toolContext(callId: invocation.call.id)))
                }
            }
            while launched < min(limit, invocations.count) { launchNext() }
            for await (index, result) in group {
                results[index] = result
                if launched < invocations.count { launchNext() }
                while let ready = results.removeValue(forKey: nextToReport) {
                    let invocation = invocations[nextToReport]
                    await report(invocation, ready)
                    if invocation.call.name == DoneTool.name, settings.requireDoneTool, ready.status == .completed {
                        doneMessage = ready.output.content
                    }
                    nextToReport += 1
                    if nextToReport < invocations.count {
                        await announce(invocations[nextToReport], step: firstStep + nextToReport)
                    }
                }
            }
        }
        return doneMessage
    }

    private func announce(_ invocation: ToolInvocation, step: Int) async {
        await emit(.stepStart(stepId: invocation.call.id, title: invocation.call.name, stepNumber: step))
        await emit(.toolCall(tool: invocation.call.name, args: invocation.arguments, toolCallId: invocation.call.id,
                             displayName: invocation.displayName))
    }

    private func report(_ invocation: ToolInvocation, _ result: ToolInvocation.Result) async {
        let call = invocation.call
        history.append(.toolResult(callId: call.id, name: call.name, content: result.output.content,
                                   isError: result.output.isError))
        await emit(.toolResult(tool: call.name, result: result.output.content, toolCallId: call.id,
                               isError: result.output.isError, screenshotBase64: result.output.screenshotBase64))
        await emit(.stepComplete(stepId: call.id, status: result.status, durationMs: result.durationMs))
    }
}
