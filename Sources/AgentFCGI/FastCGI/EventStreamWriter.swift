import Dispatch

/// Writes an `EventStream` to a FastCGI connection on the worker thread: one flushed frame per
/// event, `: ping` while the producer is quiet, `: done` at the end. A failed flush ends the
/// stream with the reason, which the producer sees through `EventStream.onEnd`/`send`.
struct EventStreamWriter {
    let connection: FastCGIConnection
    let heartbeatSeconds: Double
    let drain: DrainState

    /// nil when the stream ran to `: done`, otherwise why it stopped.
    func run(_ stream: EventStream) -> EventStream.EndReason? {
        var lastWrite = DispatchTime.now()
        while true {
            let sinceWrite = Double(DispatchTime.now().uptimeNanoseconds - lastWrite.uptimeNanoseconds) / 1e9
            var wait = max(0, heartbeatSeconds - sinceWrite)
            if let left = drain.secondsLeft { wait = min(wait, left) }
            switch stream.next(timeout: wait) {
            case .frame(let frame):
                if let reason = send(frame, ending: stream) { return reason }
                lastWrite = DispatchTime.now()
            case .finished:
                return send(SSEFrame.done, ending: stream)
            case nil:
                if drain.deadlinePassed {
                    // Draining and out of time: end the stream cleanly rather than cut it.
                    stream.end(.shutdown)
                    _ = send(SSEFrame.done, ending: stream)
                    return .shutdown
                }
                if let reason = send(SSEFrame.ping, ending: stream) { return reason }
                lastWrite = DispatchTime.now()
            }
        }
    }

    private func send(_ frame: String, ending stream: EventStream) -> EventStream.EndReason? {
        var result = connection.write(frame)
        if result == .ok { result = connection.flush() }
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
