import CLinux
import Dispatch
import Foundation

/// One FastCGI connection's socket as its worker thread sees it: our own accept (libfcgi's would
/// let its parser see the peer's bytes first), reads that give up at a deadline, and whether the
/// peer has gone. Thread-confined to the worker that accepted it.
struct PeerSocket {
    let fd: Int32

    enum AcceptResult {
        case accepted(PeerSocket)
        /// A TCP peer outside `FCGI_WEB_SERVER_ADDRS` (libfcgi's own check, kept): closed at once.
        case refused(String)
        /// Out of descriptors or memory: worth retrying shortly, never a reason to stop the worker.
        case shortOfResources(errno: Int32)
        /// The listener was shut down (drain) or is unusable.
        case stopped(errno: Int32)
    }

    /// Blocks until a connection arrives. `allowedPeers` is `FCGI_WEB_SERVER_ADDRS` parsed (nil: any).
    static func accept(on listenFD: Int32, allowedPeers: [in_addr_t]?) -> AcceptResult {
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { agent_accept_cloexec(listenFD, $0, &length) }
            }
            if fd >= 0 {
                guard address.ss_family == sa_family_t(AF_INET) else { return .accepted(PeerSocket(fd: fd)) }
                var noDelay: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                let peer = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr } }
                if let allowedPeers, !allowedPeers.contains(peer.s_addr) {
                    Glibc.close(fd)
                    return .refused(String(cString: inet_ntoa(peer)))
                }
                return .accepted(PeerSocket(fd: fd))
            }
            let code = errno
            switch code {
            // A peer that gave up between the handshake and our accept: take the next one.
            case EINTR, ECONNABORTED, EPROTO, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENETDOWN:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                return .shortOfResources(errno: code)
            default:
                return .stopped(errno: code)
            }
        }
    }

    /// `FCGI_WEB_SERVER_ADDRS` (comma-separated IPv4 addresses), as libfcgi reads it; nil when unset.
    static func allowedPeers(_ environment: [String: String]) -> [in_addr_t]? {
        guard let list = environment["FCGI_WEB_SERVER_ADDRS"], !list.isEmpty else { return nil }
        return list.split(separator: ",").map { inet_addr(String($0).trimmingCharacters(in: .whitespaces)) }
    }

    enum ReadResult: Equatable {
        case bytes(Int)
        case closed
        case timedOut
        case failed(errno: Int32)
        /// `shouldAbandon` said so (the responder is stopping).
        case abandoned
    }

    /// Reads what is there into `buffer`, waiting until `deadline` for something to arrive.
    /// `shouldAbandon` is asked about twice a second while waiting.
    func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: DispatchTime,
                 shouldAbandon: () -> Bool) -> ReadResult {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else { return .failed(errno: code) }
            let now = DispatchTime.now()
            guard now < deadline else { return .timedOut }
            let milliseconds = min(500, (deadline.uptimeNanoseconds - now.uptimeNanoseconds) / 1_000_000 + 1)
            var polled = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&polled, 1, Int32(milliseconds)) == 0, shouldAbandon() { return .abandoned }
        }
    }

    enum State: Equatable {
        case open
        /// The peer will send nothing more (POLLRDHUP): usually gone, but on TCP and after a
        /// `shutdown(SHUT_WR)` it may still read; a write tells.
        case halfClosed
        /// Hung up or failed: nothing written will arrive.
        case closed
    }

    /// Whether the peer is still there, without waiting and without reading.
    func state() -> State {
        var polled = pollfd(fd: fd, events: agent_poll_read_hangup, revents: 0)
        guard poll(&polled, 1, 0) > 0 else { return .open }
        if polled.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return .closed }
        return polled.revents & agent_poll_read_hangup != 0 ? .halfClosed : .open
    }

    func close() {
        Glibc.close(fd)
    }
}
