import Dispatch

/// Writes an `EventStream` to a FastCGI connection on the worker thread: every frame queued
/// when the worker wakes is written and then flushed once (one FCGI_STDOUT record, one
/// `write(2)`), `: ping` while the producer is quiet, `: done` at the end (in the same flush as
/// the last frames). A failed flush ends the stream with the reason, which the producer sees
/// through `EventStream.onEnd`/`send`.
///
/// While the producer is quiet (a long model step writes nothing), the connection is watched:
/// nginx closes it when its client goes, and the stream ends with `.clientGone` within
/// `peerCheckSeconds` instead of at the next heartbeat, so `on_disconnect: cancel` cancels the
/// query at once.
struct EventStreamWriter {
    let connection: FastCGIConnection
    let heartbeatSeconds: Double
    let drain: DrainState
    /// How often a quiet stream looks at its connection (one `poll`, no read).
    static let peerCheckSeconds = 0.25

    /// What was written, for the access log and metrics.
    struct Summary: Equatable {
        /// nil when the stream ran to `: done`, otherwise why it stopped.
        var endReason: EventStream.EndReason?
        /// Event frames written (comments such as pings do not count).
        var events = 0
        var bytes = 0
    }

    @available(*, noasync, message: "writes frames as they come, blocking the worker thread")
    func run(_ stream: EventStream.Consumer) -> Summary {
        var summary = Summary()
        summary.endReason = write(stream, tally: &summary)
        return summary
    }

    @available(*, noasync)
    private func write(_ stream: EventStream.Consumer, tally: inout Summary) -> EventStream.EndReason? {
        var lastWrite = DispatchTime.now()
        var probedHalfClose = false
        var batch = EventStream.Batch()
        func secondsSinceWrite() -> Double { Double(DispatchTime.now().uptimeNanoseconds - lastWrite.uptimeNanoseconds) / 1e9 }
        // The response head is flushed (FastCGIWorker): producers may write frames themselves
        // while this thread waits.
        stream.offerDirectWrites(connection.directWriter())
        while true {
            var wait = min(max(0, heartbeatSeconds - secondsSinceWrite()), Self.peerCheckSeconds)
            if let left = drain.secondsLeft { wait = min(wait, left) }
            let ready = stream.next(timeout: wait, into: &batch)
            if batch.directBytes > 0 {
                tally.events += batch.directEvents
                tally.bytes += batch.directBytes
                lastWrite = DispatchTime.now()
            }
            if ready {
                if let reason = send(batch, ending: stream, tally: &tally) { return reason }
                if batch.finished { return nil }
                lastWrite = DispatchTime.now()
            } else {
                if drain.deadlinePassed {
                    // Draining and out of time: end the stream cleanly rather than cut it.
                    stream.end(.shutdown)
                    _ = send([SSEFrame.done], ending: stream, tally: &tally)
                    return .shutdown
                }
                var heartbeatDue = secondsSinceWrite() >= heartbeatSeconds
                switch connection.peerState() {
                case .closed:
                    stream.end(.clientGone)
                    return .clientGone
                case .halfClosed where !probedHalfClose:
                    // Gone, or (TCP, shutdown(SHUT_WR)) still reading: a ping tells, once. On TCP
                    // the reset it provokes shows as `.closed` at the next check.
                    probedHalfClose = true
                    heartbeatDue = true
                case .open, .halfClosed:
                    break
                }
                guard heartbeatDue else { continue }
                if let reason = send([SSEFrame.ping], ending: stream, tally: &tally) { return reason }
                lastWrite = DispatchTime.now()
            }
        }
    }

    /// The batch's frames, then `: done` if the producer finished, in one flush.
    @available(*, noasync)
    private func send(_ batch: EventStream.Batch, ending stream: EventStream.Consumer, tally: inout Summary) -> EventStream.EndReason? {
        if !batch.unsentRecord.isEmpty, let reason = ended(by: connection.writeRecordBytes(batch.unsentRecord), stream) {
            return reason
        }
        var frames = batch.frames
        if batch.finished { frames.append(SSEFrame.done) }
        let reason = send(frames, ending: stream, tally: &tally)
        if reason == nil {
            // Comments (`: note`, pings) are not events.
            tally.events += batch.frames.reduce(0) { $0 + ($1.hasPrefix(":") ? 0 : 1) }
        }
        return reason
    }

    @available(*, noasync)
    private func send(_ frames: [String], ending stream: EventStream.Consumer, tally: inout Summary) -> EventStream.EndReason? {
        var result = FastCGIConnection.WriteResult.ok
        var bytes = 0
        for frame in frames where result == .ok {
            result = connection.write(frame)
            bytes += frame.utf8.count
        }
        if result == .ok { result = connection.flush() }
        if result == .ok { tally.bytes += bytes }
        return ended(by: result, stream)
    }

    /// Nil after a good write; otherwise ends the stream with the reason and returns it.
    private func ended(by result: FastCGIConnection.WriteResult, _ stream: EventStream.Consumer) -> EventStream.EndReason? {
        switch result {
        case .ok:
            return nil
        case .timedOut:
            stream.end(.writeTimeout)
            return .writeTimeout
        case .clientGone:
            stream.end(.clientGone)
            return .clientGone
        }
    }
}
