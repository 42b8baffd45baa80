/// Runs work that cannot itself be cancelled (an SDK request waits on a continuation) under a
/// deadline: when it passes, `onTimeout` must make the work finish (by disconnecting), and the
/// outcome says it timed out.
enum MCPDeadline {
    enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case timedOut
        case failed(any Error)
    }

    static func run<T: Sendable>(within limit: Duration, onTimeout: @escaping @Sendable () async -> Void,
                                 _ work: @escaping @Sendable () async throws -> T) async -> Outcome<T> {
        await withTaskGroup(of: Outcome<T>?.self) { group in
            group.addTask {
                do { return .value(try await work()) } catch { return .failed(error) }
            }
            group.addTask {
                guard (try? await Task.sleep(for: limit)) != nil else { return nil }
                return .timedOut
            }
            var outcome: Outcome<T> = .timedOut
            while let next = await group.next() {
                guard let next else { continue }
                outcome = next
                if case .timedOut = next { await onTimeout() }
                group.cancelAll()
                break
            }
            return outcome
        }
    }

    static func seconds(_ duration: Duration) -> String {
        CommandTool.seconds(duration)
    }
}
