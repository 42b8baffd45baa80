import CFCGI
import Dispatch
import Foundation

/// One worker's FastCGI connections, one at a time: our own accept, the request head read and
/// checked by `FastCGIRequestParser` (with `server.read_timeout_seconds`), then the hand-off to
/// libfcgi, which from there on only writes (records, END_REQUEST, the closing). The body is read
/// here too, through the same parser, so no byte from the peer ever reaches libfcgi's parser.
///
/// The hand-off: libfcgi sets up a request only in `FCGX_Accept_r`, which reads BEGIN_REQUEST and
/// PARAMS itself from `ipcFd` (skipping its own accept when `ipcFd >= 0`). We point `ipcFd` at a
/// socket pair holding a canonical 24-byte start (BEGIN_REQUEST with the peer's request id and
/// keep-conn flag, an empty PARAMS), then at the peer's socket for the response. The request is
/// initialised with listen socket -1, so libfcgi can never accept on its own.
///
/// Thread-confined: created and used only on its worker thread (libfcgi requests are not shareable).
final class FastCGIConnection {
    /// Outcome of a write + flush.
    enum WriteResult: Equatable {
        case ok
        /// The peer closed the connection (EPIPE, ECONNRESET, …).
        case clientGone(errno: Int32)
        /// `SO_SNDTIMEO` expired: the client stopped reading.
        case timedOut

        /// A failed write's errno: EAGAIN is `SO_SNDTIMEO` expiring (the socket blocks).
        init(failure code: Int32) {
            self = code == EAGAIN || code == EWOULDBLOCK ? .timedOut : .clientGone(errno: code)
        }
    }

    struct Options {
        var listenFD: Int32
        var limits = FastCGIRequestParser.Limits()
        var readTimeoutSeconds = 30.0
        /// `FCGI_WEB_SERVER_ADDRS`, for TCP peers; nil accepts any.
        var allowedPeers: [in_addr_t]?
        /// Shared by the workers: who accepts next (the most recently idle). Nil: accept directly.
        var turns: AcceptTurns?
        /// Told when this worker takes a connection and lets it go; nil in tests of one connection.
        var pool: WorkerPool?
    }

    enum Next {
        case request(FastCGIRequestParser.Head)
        /// A connection that was closed without a request: why (log it, count it).
        case rejected(ConnectionProblem)
        case refusedPeer(address: String)
        case shortOfResources(errno: Int32)
        case stopped(errno: Int32)
    }

    enum Body {
        case complete(Data)
        case tooLarge
        case dropped(ConnectionProblem)
    }

    let options: Options
    /// Written through in FastCGIConnection+Output.swift.
    let request: UnsafeMutablePointer<FCGX_Request>
    private var handOffPair: (reader: Int32, writer: Int32)?
    private var peer: PeerSocket? {
        didSet {
            switch (oldValue == nil, peer == nil) {
            case (true, false): options.pool?.connectionTaken()
            case (false, true): options.pool?.connectionReleased()
            default: break
            }
        }
    }
    private var keptAlive = false
    private var parser: FastCGIRequestParser
    private var input = InputBuffer()
    private var inputComplete = false
    private let sleeper = AcceptTurns.Sleeper()

    init(_ options: Options) {
        self.options = options
        parser = FastCGIRequestParser(limits: options.limits)
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, -1, 0)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
        if let handOffPair { close(handOffPair.reader); close(handOffPair.writer) }
    }

    /// Waits for the next request (on the kept connection, else a new one) and returns its head,
    /// or why a connection was given up. `shouldAbandon` is asked while waiting for bytes.
    @available(*, noasync, message: "blocks in accept and reads: the worker thread only")
    func next(shouldAbandon: () -> Bool) -> Next {
        while true {
            let socket: PeerSocket
            if let peer {
                socket = peer
            } else {
                switch accept() {
                case .accepted(let accepted): socket = accepted
                case .refused(let address): return .refusedPeer(address: address)
                case .shortOfResources(let code): return .shortOfResources(errno: code)
                case .stopped(let code): return .stopped(errno: code)
                }
                peer = socket
                keptAlive = false
                parser = FastCGIRequestParser(limits: options.limits)
                input.clear()
            }
            switch readHead(from: socket, shouldAbandon: shouldAbandon) {
            case .head(let head):
                if let problem = handOff(head, to: socket) {
                    closePeer()
                    return .rejected(problem)
                }
                inputComplete = false
                return .request(head)
            case .nothing:
                closePeer()
            case .problem(let problem):
                closePeer()
                return .rejected(problem)
            }
        }
    }

    @available(*, noasync, message: "blocks in accept: the worker thread only")
    private func accept() -> PeerSocket.AcceptResult {
        let options = self.options
        guard let turns = options.turns else { return PeerSocket.accept(on: options.listenFD, allowedPeers: options.allowedPeers) }
        return turns.accept(as: sleeper) { PeerSocket.accept(on: options.listenFD, allowedPeers: options.allowedPeers) }
    }

    private enum HeadRead {
        case head(FastCGIRequestParser.Head)
        /// Closed, idle past the timeout or abandoned before a request began: nothing to report.
        case nothing
        case problem(ConnectionProblem)
    }

    private func readHead(from socket: PeerSocket, shouldAbandon: () -> Bool) -> HeadRead {
        let timeout = DispatchTimeInterval.nanoseconds(Int(options.readTimeoutSeconds * 1e9))
        var deadline = DispatchTime.now() + timeout
        var started = parser.hasStartedRequest
        while true {
            switch input.parse(with: &parser, body: { _ in }) {
            case .failure(let failure): return .problem(.malformed(failure))
            case .success(.head(let head)): return .head(head)
            case .success(.inputComplete), .success(.needMore): break
            }
            if !started, parser.hasStartedRequest {
                // A kept connection's next request: the head gets the whole timeout from its first byte.
                started = true
                deadline = DispatchTime.now() + timeout
            }
            switch input.receive(from: socket, until: deadline, shouldAbandon: shouldAbandon) {
            case .bytes: continue
            case .closed: return started ? .problem(.closedEarly(during: .head)) : .nothing
            case .abandoned: return .nothing
            case .failed(let code): return .problem(.readFailed(errno: code, during: .head))
            case .timedOut:
                // An idle kept connection is closed quietly; a peer that connected and said nothing
                // (or stopped mid-head) held a worker for nothing.
                return started || !keptAlive ? .problem(.timedOut(during: .head)) : .nothing
            }
        }
    }

    private func handOff(_ head: FastCGIRequestParser.Head, to socket: PeerSocket) -> ConnectionProblem? {
        if handOffPair == nil {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
                return .handOffFailed("socketpair: \(String(cString: strerror(errno)))")
            }
            handOffPair = (fds[0], fds[1])
        }
        guard let pair = handOffPair else { return .handOffFailed("no socket pair") }
        let start = FastCGIRecord.beginRequest(requestId: head.requestId, keepConnection: head.keepConnection)
            + FastCGIRecord.encode(.params, requestId: head.requestId)
        let written = start.withUnsafeBytes { Glibc.write(pair.writer, $0.baseAddress, $0.count) }
        request.pointee.ipcFd = pair.reader
        // FCGX_Accept_r first finishes the previous request; this keeps that from closing the pair.
        request.pointee.keepConnection = 1
        let accepted = written == start.count ? FCGX_Accept_r(request) : -1
        guard accepted >= 0 else {
            // libfcgi closed the reader on its way out (or the write failed): the pair is spent.
            close(pair.reader)
            close(pair.writer)
            handOffPair = nil
            request.pointee.ipcFd = -1
            return .handOffFailed("FCGX_Accept_r returned \(accepted)")
        }
        request.pointee.ipcFd = socket.fd
        return nil
    }

    /// Reads STDIN to its empty record. `CONTENT_LENGTH` is not trusted: it is absent for chunked
    /// bodies. A peer silent for `read_timeout_seconds`, or gone, drops the request.
    @available(*, noasync, message: "blocks reading the request body: the worker thread only")
    func readBody(maxBytes: Int, shouldAbandon: () -> Bool) -> Body {
        guard let socket = peer else { return .dropped(.closedEarly(during: .body)) }
        var collector = BodyCollector(maxBytes: maxBytes)
        var keepReading = true
        let timeout = DispatchTimeInterval.nanoseconds(Int(options.readTimeoutSeconds * 1e9))
        while true {
            switch input.parse(with: &parser, body: { keepReading = collector.append($0) && keepReading }) {
            case .failure(let failure): return .dropped(.malformed(failure))
            case .success(.inputComplete):
                inputComplete = true
                return collector.outcome.body
            case .success(.head), .success(.needMore): break
            }
            if !keepReading { return .tooLarge }
            switch input.receive(from: socket, until: DispatchTime.now() + timeout, shouldAbandon: shouldAbandon) {
            case .bytes: continue
            case .closed: return .dropped(.closedEarly(during: .body))
            case .timedOut: return .dropped(.timedOut(during: .body))
            case .abandoned: return .dropped(.shuttingDown)
            case .failed(let code): return .dropped(.readFailed(errno: code, during: .body))
            }
        }
    }

    /// Closes the hand-off socket pair and drops the read buffer until the next request makes
    /// them again. Called when a response turns out to be a stream: a worker holding a stream
    /// for minutes then keeps one descriptor (the peer's) instead of three, and no 16 KiB read
    /// buffer. libfcgi no longer looks at the pair once `handOff` pointed `ipcFd` at the peer.
    func releaseHandOffPair() {
        input.releaseScratch()
        guard let pair = handOffPair else { return }
        close(pair.reader)
        close(pair.writer)
        handOffPair = nil
    }

    /// Whether the peer is still there (see `PeerSocket.State`).
    func peerState() -> PeerSocket.State {
        peer?.state() ?? .closed
    }

    /// Ends the response (END_REQUEST). The connection stays open for the next request only if
    /// the web server asked (FCGI_KEEP_CONN), `keepOpen` allows it and the body was read whole.
    @available(*, noasync, message: "writes END_REQUEST and may linger in close: the worker thread only")
    func finish(keepOpen: Bool) {
        if !keepOpen || !inputComplete { request.pointee.keepConnection = 0 }
        FCGX_Finish_r(request)
        if request.pointee.ipcFd < 0 {
            // libfcgi closed the socket (after its lingering close); the worker waits in accept
            // without a read buffer.
            peer = nil
            input.releaseScratch()
        } else {
            keptAlive = true
        }
    }

    /// Gives up the request without answering (its body never came): frees libfcgi's streams
    /// without writing, and closes the connection at once.
    func abandon() {
        FCGX_Free(request, 0)
        request.pointee.ipcFd = -1
        closePeer()
    }

    private func closePeer() {
        peer?.close()
        peer = nil
        input.releaseScratch()
    }
}

extension BodyCollector.Outcome {
    var body: FastCGIConnection.Body {
        switch self {
        case .complete(let data): return .complete(data)
        case .tooLarge: return .tooLarge
        }
    }
}
