import CFCGI
import Foundation
import Testing
@testable import AgentFCGI

/// Direct writes: while the worker waits with everything flushed, producers send their frames
/// to the connection themselves, as FastCGI records, without waking the worker. On a real
/// socket pair standing for nginx's connection.
@Suite struct EventStreamDirectWriteTests {
    /// A `FastCGIConnection` whose request writes to one end of a socket pair; the test reads the other.
    final class Wire: @unchecked Sendable {
        let fds: [Int32]
        let connection: FastCGIConnection

        init(requestId: Int32) throws {
            var pair: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw POSIXError(.EMFILE) }
            fds = pair
            connection = FastCGIConnection(.init(listenFD: -1))
            connection.request.pointee.ipcFd = pair[0]
            connection.request.pointee.requestId = requestId
        }

        /// The FCGI_STDOUT records read so far: (request id, content).
        func records(count: Int) -> [(UInt16, String)] {
            var bytes: [UInt8] = []
            var records: [(UInt16, String)] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while records.count < count {
                let received = read(fds[1], &buffer, buffer.count)
                guard received > 0 else { break }
                bytes += buffer[0..<received]
                while bytes.count >= 8 {
                    let length = Int(bytes[4]) << 8 | Int(bytes[5]), padding = Int(bytes[6])
                    guard bytes.count >= 8 + length + padding, bytes[1] == FastCGIRecord.Kind.stdout.rawValue else { break }
                    records.append((UInt16(bytes[2]) << 8 | UInt16(bytes[3]), String(decoding: bytes[8..<(8 + length)], as: UTF8.self)))
                    bytes.removeFirst(8 + length + padding)
                }
            }
            return records
        }

        deinit {
            connection.request.pointee.ipcFd = -1
            close(fds[0])
            close(fds[1])
        }
    }

    /// The worker's side on a thread of its own, as in production: offers direct writes to
    /// `wire`, then collects each wake-up's batch until `enough` says stop.
    static func worker(_ stream: EventStream, _ wire: Wire,
                       until enough: @escaping @Sendable ([EventStream.Batch]) -> Bool) -> Task<[EventStream.Batch], Error> {
        Task {
            try await HTTPTestThread.run {
                let consumer = stream.openConsumer()
                consumer.offerDirectWrites(wire.connection.directWriter())
                var batch = EventStream.Batch()
                var wakeUps: [EventStream.Batch] = []
                while consumer.next(timeout: 30, into: &batch) {
                    wakeUps.append(batch)
                    if enough(wakeUps) { break }
                }
                return wakeUps
            }
        }
    }

    /// Twenty frames sent while the worker waits reach the socket as twenty records in order,
    /// and the worker wakes once, for the finish, with the twenty counted.
    @Test func framesGoStraightToTheConnectionWithoutWakingTheWorker() async throws {
        let wire = try Wire(requestId: 3)
        let stream = EventStream(capacity: 4)
        let worker = Self.worker(stream, wire) { $0.last?.finished == true }
        while !stream.acceptsDirectWrites { try await Task.sleep(for: .milliseconds(1)) }
        for index in 1...20 { #expect(await stream.send(data: "token \(index)", id: index)) }
        stream.finish()
        let wakeUps = try await worker.value
        #expect(wakeUps.count == 1, "one wake-up, for the finish: \(wakeUps)")
        #expect(wakeUps.first?.frames == [] && wakeUps.first?.finished == true)
        #expect(wakeUps.first?.directEvents == 20)
        let expected = (1...20).map { (index: Int) in SSEFrame.event(id: index, data: "token \(index)") }
        #expect(wakeUps.first?.directBytes == expected.reduce(0) { $0 + $1.utf8.count })
        let records = wire.records(count: 20)
        #expect(records.map(\.1) == expected, "one record per frame, in order")
        #expect(records.allSatisfy { $0.0 == 3 }, "under the request's id")
    }

    /// A frame too large for one record is not written directly: it wakes the worker, which
    /// writes it (and everything after it) as before.
    @Test func aFrameTooLargeForARecordGoesThroughTheWorker() async throws {
        let wire = try Wire(requestId: 1)
        let stream = EventStream(capacity: 4)
        let worker = Self.worker(stream, wire) { _ in true }
        while !stream.acceptsDirectWrites { try await Task.sleep(for: .milliseconds(1)) }
        let large = String(repeating: "x", count: 70_000)
        #expect(await stream.send(data: large))
        let batch = try #require(try await worker.value.first)
        #expect(batch.frames == [SSEFrame.event(id: nil, data: large)] && batch.directEvents == 0)
        #expect(!stream.acceptsDirectWrites, "the worker is awake: frames queue for it")
    }
}
