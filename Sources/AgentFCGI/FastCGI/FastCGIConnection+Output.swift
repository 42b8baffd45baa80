import CFCGI
import Foundation

/// The response side: everything from here on is libfcgi's framing, written to the peer's socket.
extension FastCGIConnection {
    /// Makes a stalled client fail our writes after `seconds` instead of pinning the thread forever.
    func setWriteTimeout(seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(request.pointee.ipcFd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    @available(*, noasync, message: "blocking socket write: the worker thread only")
    func write(_ text: String) -> WriteResult {
        var text = text
        return text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    @available(*, noasync, message: "blocking socket write: the worker thread only")
    func write(_ data: Data) -> WriteResult {
        data.withUnsafeBytes { write($0) }
    }

    /// Sends everything buffered as one FCGI_STDOUT record now. `FCGX_PutStr` can succeed after
    /// the peer died, so this is where a client abort shows up.
    @available(*, noasync, message: "blocking socket write: the worker thread only")
    func flush() -> WriteResult {
        if FCGX_FFlush(request.pointee.out) == -1 || FCGX_GetError(request.pointee.out) != 0 {
            return failure()
        }
        return .ok
    }

    /// Bytes of records already framed (the rest of one a producer started, see
    /// `directWriter`), straight to the socket: libfcgi's buffer is empty at that point.
    @available(*, noasync, message: "blocking socket write: the worker thread only")
    func writeRecordBytes(_ bytes: [UInt8]) -> WriteResult {
        let fd = request.pointee.ipcFd
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if sent < 0, code == EINTR { continue }
            return WriteResult(failure: code)
        }
        return .ok
    }

    /// For `EventStream`'s direct writes: one frame as one FCGI_STDOUT record, sent without
    /// blocking from the producer's thread. Only used while the worker waits with libfcgi's
    /// buffer flushed and the connection open (the stream's protocol guarantees both).
    func directWriter() -> EventStream.DirectWriter {
        let fd = request.pointee.ipcFd
        let requestId = UInt16(truncatingIfNeeded: request.pointee.requestId)
        return EventStream.DirectWriter { frame in
            let content = Array(frame.utf8)
            guard content.count <= FastCGIRecord.maxContentLength else { return .notSent }
            let record = FastCGIRecord.encode(.stdout, requestId: requestId, content: content)
            let sent = record.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if sent == record.count { return .sent }
            return sent > 0 ? .partial(remainder: Array(record[sent...])) : .notSent
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> WriteResult {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .ok }
        var offset = 0
        while offset < bytes.count {
            // Records are at most 65535 bytes; libfcgi splits, but keep each call's length an Int32.
            let length = min(bytes.count - offset, 1 << 20)
            let written = FCGX_PutStr(base.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(length), request.pointee.out)
            if written != Int32(length) { return failure() }
            offset += length
        }
        return FCGX_GetError(request.pointee.out) != 0 ? failure() : .ok
    }

    private func failure() -> WriteResult {
        WriteResult(failure: FCGX_GetError(request.pointee.out))
    }
}
