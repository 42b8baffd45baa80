import Foundation
import Synchronization
import Testing
@testable import AgentFCGI

/// SSE frames and the event channel.
@Suite struct EventStreamTests {
    /// Frames are id, data lines and a blank line.
    @Test func frameEncoding() {
        #expect(SSEFrame.event(id: 7, data: #"{"a":1}"#) == "id: 7\ndata: {\"a\":1}\n\n")
        #expect(SSEFrame.event(id: nil, data: "x") == "data: x\n\n")
        #expect(SSEFrame.event(id: 1, data: "a\nb\r\nc") == "id: 1\ndata: a\ndata: b\ndata: c\n\n")
        #expect(SSEFrame.comment("ping") == SSEFrame.ping)
        #expect(SSEFrame.comment("two\nlines") == ": two lines\n\n")
        #expect(SSEFrame.done == ": done\n\n")
    }

    /// The worker gets frames in order, then finished.
    @Test func deliversInOrder() async throws {
        let stream = EventStream(capacity: 4)
        #expect(await stream.send(data: "1", id: 1))
        #expect(await stream.sendComment("note"))
        stream.finish()
        #expect(await stream.send(data: "late") == false, "nothing is accepted after finish")
        // The worker's side blocks, so it runs on a thread of its own, as in production.
        let items = try await HTTPTestThread.run { (0..<3).map { _ in stream.next(timeout: 1) } }
        #expect(items == [.frame("id: 1\ndata: 1\n\n"), .frame(": note\n\n"), .finished])
    }

    /// Next times out with nil while the producer is quiet.
    @Test func timesOut() {
        let stream = EventStream()
        let started = Date()
        #expect(stream.next(timeout: 0.05) == nil)
        #expect(Date().timeIntervalSince(started) >= 0.04)
    }

    /// A full buffer suspends the producer until the worker takes a frame.
    @Test func backPressure() async throws {
        let stream = EventStream(capacity: 2)
        let sent = Atomic<Int>(0)
        let producer = Task {
            for index in 1...5 {
                await stream.send(data: "\(index)")
                sent.add(1, ordering: .relaxed)
            }
            stream.finish()
        }
        // However slowly a loaded machine runs the producer, it gets two frames in and then waits.
        for _ in 0..<500 where sent.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(sent.load(ordering: .relaxed) == 2, "the producer must wait while 2 frames are queued")
        let frames = try await HTTPTestThread.run {
            var frames: [EventStream.Item] = []
            while let item = stream.next(timeout: 30), item != .finished { frames.append(item) }
            return frames.count
        }
        // Should the consumer have given up early, release the producer rather than hang the run.
        stream.end(.shutdown)
        await producer.value
        #expect(frames == 5)
    }

    /// Ending the stream wakes a blocked producer, fails later sends and calls onEnd once.
    @Test func endNotifiesProducer() async throws {
        let stream = EventStream(capacity: 1)
        let reasons = Mutex<[EventStream.EndReason]>([])
        stream.onEnd { reason in reasons.withLock { $0.append(reason) } }
        #expect(await stream.send(data: "fills the buffer"))
        let blocked = Task { await stream.send(data: "waits") }
        try await Task.sleep(for: .milliseconds(50))
        stream.end(.clientGone)
        stream.end(.shutdown)
        #expect(await blocked.value == false)
        #expect(await stream.send(data: "after") == false)
        #expect(stream.isClientGone)
        #expect(stream.endReason == .clientGone)
        #expect(reasons.withLock { $0 } == [.clientGone])
        let late = Mutex<EventStream.EndReason?>(nil)
        stream.onEnd { reason in late.withLock { $0 = reason } }
        #expect(late.withLock { $0 } == .clientGone, "a handler registered after the end runs at once")
    }
}

/// Runs blocking work (the worker side of the channel) on a thread of its own, as workers do.
enum HTTPTestThread {
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
