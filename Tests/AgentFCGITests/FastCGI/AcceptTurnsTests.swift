import AgentTestSupport
import Foundation
import Synchronization
import Testing
@testable import AgentFCGI

/// Who accepts the next FastCGI connection: the most recently idle worker, on a real listening
/// unix socket with real worker threads.
@Suite struct AcceptTurnsTests {
    /// Worker threads that accept through `turns`, note who took each connection, and close it.
    final class Workers: Sendable {
        let turns = AcceptTurns()
        let acceptedBy = Mutex<[Int]>([])
        let stopped = Atomic<Int>(0)
        let count: Int

        init(count: Int, listenFD: Int32) {
            self.count = count
            for index in 0..<count {
                Thread { [self] in
                    let sleeper = AcceptTurns.Sleeper()
                    while true {
                        switch turns.accept(as: sleeper, { PeerSocket.accept(on: listenFD, allowedPeers: nil) }) {
                        case .accepted(let peer):
                            acceptedBy.withLock { $0.append(index) }
                            close(peer.fd)
                        case .stopped:
                            stopped.add(1, ordering: .relaxed)
                            return
                        case .refused, .shortOfResources:
                            continue
                        }
                    }
                }.start()
            }
        }

        var accepted: [Int] { acceptedBy.withLock { $0 } }
        /// Every worker but the one in accept() is asleep.
        var settled: Bool { turns.sleeping == count - 1 }
    }

    /// One connection at a time, each after the workers settled: the kernel would give each to
    /// the worker that waited longest (all eight in turn); turns give them to the two most
    /// recently idle, and the other six never wake. Shutting the listener stops every worker,
    /// the sleeping ones included.
    @Test func theMostRecentlyIdleWorkersTakeTheConnectionsAndAllStop() throws {
        let directory = NSTemporaryDirectory() + "accept-turns-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        let listener = try ListenSocket.open(.unixSocket(path: path, group: nil))
        let workers = Workers(count: 8, listenFD: listener.fd)
        #expect(TestEnvironment.waitUntil(timeout: 10) { workers.settled })
        for connection in 1...40 {
            #expect(TestEnvironment.canConnect(unixSocket: path))
            #expect(TestEnvironment.waitUntil(timeout: 10) { workers.accepted.count == connection && workers.settled },
                    "connection \(connection): \(workers.accepted)")
        }
        let accepted = workers.accepted
        #expect(accepted.count == 40)
        #expect(Set(accepted).count == 2, "taken by the two warmest workers, in turn: \(accepted)")
        listener.shutdownAccepting()
        #expect(TestEnvironment.waitUntil(timeout: 10) { workers.stopped.load(ordering: .relaxed) == 8 },
                "every worker left, sleeping ones too: \(workers.stopped.load(ordering: .relaxed)) of 8")
        close(listener.fd)
    }
}
