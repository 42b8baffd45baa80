import Foundation
import Logging
import MCP
import Synchronization

/// Set once with the reason the transport closed; waiters are woken then.
final class MCPDeath: Sendable {
    private let state = Mutex<(reason: String?, waiters: [CheckedContinuation<String, Never>])>((nil, []))

    var reason: String? { state.withLock { $0.reason } }

    @Sendable func fire(_ reason: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String, Never>] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: reason) }
    }

    func wait() async -> String {
        await withCheckedContinuation { continuation in
            let reason = state.withLock { state -> String? in
                if let reason = state.reason { return reason }
                state.waiters.append(continuation)
                return nil
            }
            if let reason { continuation.resume(returning: reason) }
        }
    }
}
