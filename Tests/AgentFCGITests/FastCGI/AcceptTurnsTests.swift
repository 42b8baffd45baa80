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
        let turns: AcceptTurns
        let acceptedBy = Mutex<[Int]>([])
        let stopped = Atomic<Int>(0)
        /// While set, a worker keeps the connection it took (it is busy) instead of closing it.
        let holding = Atomic<Bool>(false)
        let count: Int

        init(count: Int, acceptors: Int, listenFD: Int32) {
            self.count = count
            turns = AcceptTurns(acceptors: acceptors)
            for index in 0..<count {
                Thread { [self] in
                    let sleeper = AcceptTurns.Sleeper()
                    while true {
                        switch turns.accept(as: sleeper, { PeerSocket.accept(on: listenFD, allowedPeers: nil) }) {
                        case .accepted(let peer):
                            acceptedBy.withLock { $0.append(index) }
                            while holding.load(ordering: .relaxed) { usleep(1_000) }
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
        /// Every worker but those in accept() is asleep.
        var settled: Bool { turns.sleeping == count - turns.acceptors }
    }

    static func listener(_ body: (String, ListenSocket) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "accept-turns-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        let listener = try ListenSocket.open(.unixSocket(path: path, group: nil))
        defer { close(listener.fd) }
        try body(path, listener)
    }

    /// One connection at a time, each after the workers settled: the kernel would give each to
    /// the worker that waited longest (all eight in turn); only the two acceptors take them, and
    /// the other six never wake. Shutting the listener stops every worker, the sleeping ones too.
    @Test func theAcceptorsTakeTheConnectionsTheOthersSleepAndAllStop() throws {
        try Self.listener { path, listener in
            let workers = Workers(count: 8, acceptors: 2, listenFD: listener.fd)
            #expect(TestEnvironment.waitUntil(timeout: 10) { workers.settled })
            for connection in 1...40 {
                #expect(TestEnvironment.canConnect(unixSocket: path))
                #expect(TestEnvironment.waitUntil(timeout: 10) { workers.accepted.count == connection && workers.settled },
                        "connection \(connection): \(workers.accepted)")
            }
            let accepted = workers.accepted
            #expect(accepted.count == 40)
            #expect(Set(accepted).count == 2, "taken by the two acceptors, in turn: \(accepted)")
            listener.shutdownAccepting()
            #expect(TestEnvironment.waitUntil(timeout: 10) { workers.stopped.load(ordering: .relaxed) == 8 },
                    "every worker left, sleeping ones too: \(workers.stopped.load(ordering: .relaxed)) of 8")
        }
    }

    /// Workers busy with their connections: once both acceptors hold one, a sleeper is woken to
    /// wait in accept(), so connections keep being taken while any worker is idle.
    @Test func busyAcceptorsWakeASleeperSoConnectionsKeepBeingTaken() throws {
        try Self.listener { path, listener in
            let workers = Workers(count: 8, acceptors: 2, listenFD: listener.fd)
            workers.holding.store(true, ordering: .relaxed)
            #expect(TestEnvironment.waitUntil(timeout: 10) { workers.settled })
            for connection in 1...5 {
                #expect(TestEnvironment.canConnect(unixSocket: path))
                #expect(TestEnvironment.waitUntil(timeout: 10) { workers.accepted.count == connection },
                        "connection \(connection) taken while \(connection - 1) workers are busy: \(workers.accepted)")
            }
            #expect(Set(workers.accepted).count == 5, "five busy workers")
            workers.holding.store(false, ordering: .relaxed)
            listener.shutdownAccepting()
            #expect(TestEnvironment.waitUntil(timeout: 10) { workers.stopped.load(ordering: .relaxed) == 8 })
        }
    }
}
