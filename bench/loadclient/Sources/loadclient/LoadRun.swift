import CEpoll
import Glibc
import Histogram

/// Runs `streams` requests, at most `concurrency` at once, on one epoll thread, and records per
/// token how late it arrived against the fake model's schedule (k * delay after the request).
final class LoadRun {
    let options: Options
    let request: (Int) -> [UInt8]
    var lateness = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var firstToken = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    /// Per token: arrival - the moment the fake LLM sent it (its "~T<us>~" stamp, same clock).
    var relay = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var latency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var outcomes: [Connection.Outcome: Int] = [:]
    var tokens = 0
    var maxOpen = 0
    private var open: [Int32: Connection] = [:]
    private let epoll = epoll_create1(0)
    private var started = 0
    /// One read buffer for every connection: the loop is single-threaded.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)

    init(options: Options) {
        self.options = options
        let template = options.body
        let path = options.path
        let method = options.method
        request = { index in
            let body = method == "GET" ? [] : Array(template.replacingOccurrences(of: "{i}", with: String(index)).utf8)
            let target = path.replacingOccurrences(of: "{i}", with: String(index))
            let head = "\(method) \(target) HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Accept: text/event-stream\r\nContent-Length: \(body.count)\r\n\r\n"
            return Array(head.utf8) + body
        }
    }

    /// Returns the wall time of the run in seconds.
    func run() -> Double {
        let begin = nowMicros()
        let deadline = begin + UInt64(options.timeoutSeconds * 1_000_000)
        var events = [epoll_event](repeating: epoll_event(), count: 1024)
        while started < options.streams || !open.isEmpty {
            let now = nowMicros()
            if now >= deadline { break }
            startDue(now: now, begin: begin)
            let pendingStarts = started < options.streams && open.count < options.concurrency
            let ready = epoll_wait(epoll, &events, Int32(events.count), pendingStarts ? 1 : 50)
            guard ready >= 0 else { if errno == EINTR { continue } else { break } }
            for slot in 0..<Int(ready) {
                let fd = events[slot].data.fd
                guard let connection = open[fd] else { continue }
                if events[slot].events & EPOLLOUT.rawValue != 0 && !connection.requestWritten {
                    writeRequest(connection)
                } else {
                    readAvailable(connection)
                }
            }
        }
        for connection in open.values { finish(connection, .timeout) }
        return Double(nowMicros() - begin) / 1_000_000
    }

    private func startDue(now: UInt64, begin: UInt64) {
        let spacing = options.rampMs * 1_000 / Double(options.streams)
        while started < options.streams && open.count < options.concurrency {
            if spacing > 0 && Double(now - begin) < spacing * Double(started) { return }
            connect(index: started)
            started += 1
        }
    }

    private func connect(index: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { outcomes[.connectError, default: 0] += 1; return }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = options.port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else {
            close(fd)
            outcomes[.connectError, default: 0] += 1
            return
        }
        let connection = Connection(fd: fd, index: index, marker: options.marker, endMarker: options.endMarker)
        open[fd] = connection
        maxOpen = max(maxOpen, open.count)
        var event = epoll_event()
        event.events = EPOLLOUT.rawValue
        event.data.fd = fd
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
    }

    private func writeRequest(_ connection: Connection) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { finish(connection, .connectError); return }
        let bytes = request(connection.index)
        let written = bytes.withUnsafeBytes { send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == bytes.count else { finish(connection, .connectError); return }
        connection.requestWritten = true
        connection.sentAt = nowMicros()
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = connection.fd
        epoll_ctl(epoll, EPOLL_CTL_MOD, connection.fd, &event)
    }

    private func readAvailable(_ connection: Connection) {
        while true {
            let count = recv(connection.fd, buffer.baseAddress, buffer.count, 0)
            if count == 0 {
                latency.record(nowMicros() - connection.sentAt)
                finish(connection, connection.outcome(requireEnd: !options.endMarker.isEmpty))
                return
            }
            if count < 0 {
                if errno == EAGAIN { return }
                finish(connection, .truncated)
                return
            }
            let arrived = nowMicros()
            let bytes = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
            connection.noteStatus(bytes)
            if connection.endScanner.scan(bytes) > 0 { connection.sawEnd = true }
            let found = connection.tokenScanner.scan(bytes)
            for _ in 0..<found { recordToken(connection, at: arrived) }
            for stamp in connection.stampScanner.scan(bytes) where stamp > connection.lastStamp && stamp <= arrived {
                relay.record(arrived - stamp)
                connection.lastStamp = stamp
            }
        }
    }

    private func recordToken(_ connection: Connection, at arrived: UInt64) {
        let elapsed = Double(arrived - connection.sentAt)
        let scheduled = Double(connection.tokens) * options.delayMs * 1_000
        let late = UInt64(max(0, elapsed - scheduled))
        lateness.record(late)
        if connection.tokens == 0 { firstToken.record(late) }
        connection.tokens += 1
        tokens += 1
    }

    private func finish(_ connection: Connection, _ outcome: Connection.Outcome) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
        close(connection.fd)
        open[connection.fd] = nil
        outcomes[outcome, default: 0] += 1
    }
}
