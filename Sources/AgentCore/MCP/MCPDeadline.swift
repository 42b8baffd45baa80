/// Runs work that cannot itself be cancelled (an SDK request waits on a continuation) under a
/// deadline: when it passes, or when the calling task is cancelled (a stop during start-up),
/// `onTimeout` must make the work finish (by disconnecting), and the outcome says so.
enum MCPDeadline {
    enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case timedOut
        case failed(any Error)
    }

    static func run<T: Sendable>(within limit: Duration, onTimeout: @escaping @Sendable () async -> Void,
                                 _ work: @escaping @Sendable () async throws -> T) async -> Outcome<T> {
        await withTaskGroup(of: Outcome<T>.self) { group in
            group.addTask {
                do { return .value(try await work()) } catch { return .failed(error) }
            }
            group.addTask {
                guard (try? await CancellableSleep.sleep(for: limit)) != nil else { return .failed(CancellationError()) }
                return .timedOut
            }
            let outcome = await group.next() ?? .timedOut
            switch outcome {
            case .value: break
            case .timedOut, .failed(is CancellationError): await onTimeout()
            case .failed: break
            }
            group.cancelAll()
            return outcome
        }
    }
}
