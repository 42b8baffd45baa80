import Dispatch

/// Bytes received from a peer and not yet consumed by its `FastCGIRequestParser`: at most one
/// read's worth plus what follows a completed head (the first STDIN records) or a completed
/// request (a kept connection's next one). Thread-confined like its connection.
struct InputBuffer {
    /// Bytes asked for per read.
    static let readSize = 16 * 1024

    private var bytes: [UInt8] = []
    private var start = 0
    /// Made at a connection's first read, dropped while the worker holds a stream and when the
    /// connection closes (`releaseScratch`): thousands of idle or streaming workers need not each
    /// keep 16 KiB resident (the kernel hands new connections to the longest-idle worker, so over
    /// time every worker would).
    private var scratch: [UInt8] = []

    /// Bytes reserved for reading (capacity, not contents): what an idle worker keeps.
    var reservedBytes: Int { bytes.capacity + scratch.capacity }

    mutating func releaseScratch() {
        scratch = []
        // Nothing unread: give back what a large body grew `bytes` to, too.
        if start >= bytes.count {
            bytes = []
            start = 0
        }
    }

    mutating func clear() {
        bytes.removeAll(keepingCapacity: true)
        start = 0
    }

    /// Runs the parser over the unconsumed bytes and drops what it consumed.
    mutating func parse(with parser: inout FastCGIRequestParser, body: (UnsafeRawBufferPointer) -> Void)
        -> Result<FastCGIRequestParser.Progress, FastCGIRequestParser.Failure> {
        guard start < bytes.count else { return .success(.needMore) }
        let from = start
        let outcome = bytes.withUnsafeBytes { all in
            Result { () throws(FastCGIRequestParser.Failure) in
                try parser.parse(UnsafeRawBufferPointer(rebasing: all[from...]), body: body)
            }
        }
        switch outcome {
        case .failure(let failure):
            return .failure(failure)
        case .success(let (consumed, progress)):
            start += consumed
            if start == bytes.count { clear() }
            return .success(progress)
        }
    }

    /// Appends what the next read brings (see `PeerSocket.receive`).
    mutating func receive(from socket: PeerSocket, until deadline: DispatchTime, shouldAbandon: () -> Bool) -> PeerSocket.ReadResult {
        if start > 0 {
            bytes.removeFirst(start)
            start = 0
        }
        // Read into a scratch buffer (made at the first read) and copy only what arrived: growing
        // `bytes` by a zero-filled `readSize` per read cost a 16 KiB fill for a 600-byte head.
        if scratch.isEmpty {
            // Not zero-filled: only the bytes a read wrote are copied out.
            scratch = [UInt8](unsafeUninitializedCapacity: Self.readSize) { _, count in count = Self.readSize }
        }
        let result = scratch.withUnsafeMutableBytes { buffer in
            socket.receive(into: buffer, until: deadline, shouldAbandon: shouldAbandon)
        }
        if case .bytes(let count) = result {
            bytes.append(contentsOf: scratch[..<count])
        }
        return result
    }
}
