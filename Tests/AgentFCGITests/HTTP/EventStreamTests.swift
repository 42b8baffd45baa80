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
        let batch = try await HTTPTestThread.run {
            var batch = EventStream.Batch()
            _ = stream.openConsumer().next(timeout: 1, into: &batch)
            return batch
        }
        #expect(batch == EventStream.Batch(frames: ["id: 1\ndata: 1\n\n", ": note\n\n"], finished: true),
                "what was queued before the worker woke comes in one batch, with the finish")
    }

    /// Next times out with false while the producer is quiet.
    @Test func timesOut() {
        let stream = EventStream()
        let started = Date()
        var batch = EventStream.Batch()
        #expect(stream.openConsumer().next(timeout: 0.05, into: &batch) == false)
        #expect(Date().timeIntervalSince(started) >= 0.04)
        #expect(batch.frames.isEmpty && !batch.finished)
    }

    /// Each wake-up takes every frame queued since the last, and frees the room for a waiting producer.
    @Test func batchesFramesPerWakeUp() async throws {
        let stream = EventStream(capacity: 3)
        for index in 1...3 { #expect(await stream.send(data: "\(index)")) }
        // The buffer is full: the fourth send waits until the worker takes the batch.
        let fourth = Task { await stream.send(data: "4") }
        let first = try await HTTPTestThread.run {
            let consumer = stream.openConsumer()
            var batch = EventStream.Batch()
            _ = consumer.next(timeout: 5, into: &batch)
            let first = batch.frames
            var later: [String] = []
            while later.isEmpty, consumer.next(timeout: 60, into: &batch) { later = batch.frames }
            return (first, later)
        }
        #expect(first.0 == ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"], "three frames, one wake-up")
        #expect(first.1 == ["data: 4\n\n"], "the waiting producer went on once the batch was taken")
        #expect(await fourth.value)
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
            let consumer = stream.openConsumer()
            var batch = EventStream.Batch()
            var frames = 0
            while consumer.next(timeout: 30, into: &batch) {
                frames += batch.frames.count
                if batch.finished { break }
            }
            // Should the consumer have given up early, release the producer rather than hang the run.
            consumer.end(.shutdown)
            return frames
        }
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
        _ = try await HTTPTestThread.run {
            let consumer = stream.openConsumer()
            consumer.end(.clientGone)
            consumer.end(.shutdown)
        }
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
