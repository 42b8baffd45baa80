import CFCGI
import Foundation

/// One worker's `FCGX_Request`: accept, read, write, flush, finish. Thread-confined: created
/// and used only on its worker thread (libfcgi requests are not shareable).
final class FastCGIConnection {
    /// Outcome of a write + flush.
    enum WriteResult: Equatable {
        case ok
        /// The peer closed the connection (EPIPE, ECONNRESET, …).
        case clientGone(errno: Int32)
        /// `SO_SNDTIMEO` expired: the client stopped reading.
        case timedOut
    }

    private let request: UnsafeMutablePointer<FCGX_Request>
    init(listenFD: Int32) {
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, listenFD, 0)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
    }

    /// Blocks until a request arrives; false once the listener was shut down.
    func accept() -> Bool {
        FCGX_Accept_r(request) >= 0
    }

    /// Copies every param at once: libfcgi frees them at the next Finish/Accept.
    func params() -> [String: String] {
        var params: [String: String] = [:]
        guard var cursor = request.pointee.envp else { return params }
        // Split on the byte: a String index search walks grapheme clusters, and this runs for
        // every param of every request.
        while let entry = cursor.pointee {
            if let equals = strchr(entry, 0x3D) {
                let name = UnsafeRawBufferPointer(start: entry, count: entry.distance(to: equals))
                params[String(decoding: name, as: UTF8.self)] = String(cString: equals + 1)
            }
            cursor += 1
        }
        return params
    }

    /// Makes a stalled client fail our writes after `seconds` instead of pinning the thread forever.
    func setWriteTimeout(seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(request.pointee.ipcFd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads stdin to EOF. `CONTENT_LENGTH` is not trusted: it is absent for chunked bodies.
    func readBody(maxBytes: Int) -> BodyCollector.Outcome {
        var collector = BodyCollector(maxBytes: maxBytes)
        var chunk = [CChar](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBufferPointer { FCGX_GetStr($0.baseAddress, Int32($0.count), request.pointee.in) }
            if count <= 0 { break }
            let keepReading = chunk.withUnsafeBytes { collector.append(UnsafeRawBufferPointer(rebasing: $0[..<Int(count)])) }
            if !keepReading { break }
        }
        return collector.outcome
    }

    func write(_ text: String) -> WriteResult {
        var text = text
        return text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    func write(_ data: Data) -> WriteResult {
        data.withUnsafeBytes { write($0) }
    }

    /// Sends everything buffered as one FCGI_STDOUT record now. `FCGX_PutStr` can succeed after
    /// the peer died, so this is where a client abort shows up.
    func flush() -> WriteResult {
        if FCGX_FFlush(request.pointee.out) == -1 || FCGX_GetError(request.pointee.out) != 0 {
            return failure()
        }
        return .ok
    }

    func finish() {
        FCGX_Finish_r(request)
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
        let code = FCGX_GetError(request.pointee.out)
        return code == EAGAIN || code == EWOULDBLOCK ? .timedOut : .clientGone(errno: code)
    }
}
