import Foundation

/// Takes SIGINT, SIGTERM and SIGHUP with `sigwait` on a thread of its own and turns them into
/// chat inputs. The signals are already blocked in every thread (main.swift), so this thread is
/// the only place they are consumed.
enum InterruptWatcher {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    static func start(_ continuation: AsyncStream<ChatInput>.Continuation) {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals {
            sigaddset(&set, number)
            // A blocked signal whose disposition is "ignore" (inherited from a parent that ran us
            // with SIGINT ignored) is discarded, never reaching sigwait; make it deliverable.
            signal(number, SIG_DFL)
        }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waitSet = set
        let thread = Thread {
            var waitFor = waitSet
            while true {
                var received: Int32 = 0
                guard sigwait(&waitFor, &received) == 0 else { continue }
                continuation.yield(received == SIGINT ? .interrupt : .terminate)
            }
        }
        thread.name = "chat-signals"
        thread.start()
    }
}
