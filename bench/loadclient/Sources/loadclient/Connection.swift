import Glibc

/// One HTTP/1.0 request and its streamed response on a non-blocking socket.
final class Connection {
    enum Outcome: String { case ok, connectError = "connect_error", status, truncated, timeout }

    let fd: Int32
    let index: Int
    var sentAt: UInt64 = 0
    var tokens = 0
    var statusCode = 0
    var sawEnd = false
    var requestWritten = false
    private var statusBytes: [UInt8] = []
    var tokenScanner: MarkerScanner
    var endScanner: MarkerScanner
    var stampScanner = StampScanner()
    /// Stamps only grow within a stream; the final event repeats the whole text, and its old stamps
    /// are not token arrivals.
    var lastStamp: UInt64 = 0

    init(fd: Int32, index: Int, marker: String, endMarker: String) {
        self.fd = fd
        self.index = index
        tokenScanner = MarkerScanner(marker)
        endScanner = MarkerScanner(endMarker)
    }

    /// Reads the status code out of the first bytes ("HTTP/1.1 200 ...").
    func noteStatus(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard statusCode == 0 else { return }
        statusBytes.append(contentsOf: bytes.prefix(16 - statusBytes.count))
        guard statusBytes.count >= 12 else { return }
        statusCode = Int(String(decoding: statusBytes[9..<12], as: UTF8.self)) ?? -1
    }

    func outcome(requireEnd: Bool) -> Outcome {
        if statusCode != 200 { return .status }
        if requireEnd && !sawEnd { return .truncated }
        return .ok
    }
}

/// Monotonic clock in microseconds.
func nowMicros() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
}
