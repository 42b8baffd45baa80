import Foundation
import MCP

extension MCPServer {
    /// Calls one of the server's tools. Never hangs: waiting for a connection is bounded by the
    /// startup timeout and the call by the call timeout. Throws only `CancellationError` (the
    /// query was cancelled); every other ending is a result the model sees.
    public func call(tool: String, arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let started = ContinuousClock.now
        do {
            let output = try await perform(tool: tool, arguments: arguments, owner: context.owner)
            stats.record(server: spec.name, outcome: output.isError ? "error" : "ok", started: started)
            if output.isError {
                logger.info("MCP tool call ended in an error result", metadata: [
                    "tool": "\(tool)", "session_id": "\(context.sessionId)", "tool_call_id": "\(context.toolCallId)"])
            }
            return output
        } catch {
            stats.record(server: spec.name, outcome: "cancelled", started: started)
            throw error
        }
    }

    private func perform(tool: String, arguments: JSONValue, owner: String?) async throws -> ToolOutput {
        let values: [String: Value]
        do {
            values = try (arguments.objectValue ?? [:]).mapValues(MCPResultRenderer.value)
        } catch {
            return .error("the arguments could not be encoded for the MCP server: \(error)")
        }
        for attempt in 0..<2 {
            guard let connection = await waitForConnection(waitForAttempt: attempt > 0,
                                                           timeout: spec.startupTimeout + .seconds(1)) else {
                if Task.isCancelled { throw CancellationError() }
                return .error(unavailableMessage(retried: attempt > 0))
            }
            do {
                let result = try await MCPRequestUser.$name.withValue(owner) {
                    try await connection.call(tool, arguments: values, timeout: spec.callTimeout)
                }
                return MCPResultRenderer.output(result, cap: spec.outputCap)
            } catch is MCPCallTimedOut {
                return .error("MCP server \(spec.name) did not finish \(tool) within \(spec.callTimeout.secondsText)s "
                              + "(call_timeout_seconds); the call was cancelled")
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if attempt == 0, connection.isDead {
                    logger.warning("MCP server connection lost during a call; retrying it once on a new connection",
                                   metadata: ["tool": "\(tool)", "reason": "\(connection.deathReason ?? "")"])
                    continue
                }
                let reason = connection.deathReason ?? MCPServerError.describe(error)
                return .error("MCP server \(spec.name) failed on \(tool): \(reason)"
                              + (attempt > 0 ? " (on the retry after reconnecting)" : ""))
            }
        }
        return .error(unavailableMessage(retried: true))
    }

    private func unavailableMessage(retried: Bool) -> String {
        let (phase, lastError) = state.withLock { ($0.phase, $0.lastError) }
        let what = retried ? "lost its connection during the call and did not come back in time"
                           : phase == .starting ? "is still starting" : "is \(phase.rawValue)"
        return "MCP server \(spec.name) \(what)" + (lastError.map { " (\($0))" } ?? "")
            + "; it is retried in the background, so the tool may work again later"
    }

    /// The live connection, or the next one when one is being made (or, with `waitForAttempt`,
    /// when the supervisor is about to make one); nil when the server is down or the wait passes
    /// `timeout`.
    func waitForConnection(waitForAttempt: Bool, timeout: Duration) async -> MCPConnection? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timer = Task { [weak self] in
            guard (try? await CancellableSleep.sleep(for: timeout)) != nil else { return }
            self?.resumeWaiter(id)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<MCPConnection?, Never>) in
                var wakeAfter: Duration?
                let ready: MCPConnection?? = state.withLock { state in
                    if let connection = state.connection, !connection.isDead { return .some(connection) }
                    // Down and pausing between attempts: a call wakes the supervisor at most once a
                    // second, so a server that came back is used at once and a dead one costs little.
                    // Within that second the call waits for the next attempt rather than failing:
                    // a server restarting as the call arrives has often failed one attempt already.
                    if state.phase == .down, state.pause != nil {
                        let sinceFailure = state.lastFailure.map { $0.duration(to: .now) } ?? .seconds(1)
                        wakeAfter = max(.zero, .seconds(1) - sinceFailure)
                    }
                    let pending = state.phase == .starting || state.connection != nil || state.awaitingReconnect
                        || waitForAttempt || wakeAfter != nil
                    if Task.isCancelled || state.phase == .stopped || !pending { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
                if let wakeAfter {
                    if wakeAfter == .zero {
                        self.wake()
                    } else {
                        Task { [weak self] in
                            try? await Task.sleep(for: wakeAfter)
                            self?.wake()
                        }
                    }
                }
            }
        } onCancel: { [weak self] in
            self?.resumeWaiter(id)
        }
    }

    private func resumeWaiter(_ id: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
    }
}
