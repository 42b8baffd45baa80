/// Checks and decodes what a peer sends on a FastCGI connection before anything else reads it:
/// BEGIN_REQUEST, the PARAMS stream up to its empty record (the request's "head"), then the STDIN
/// stream up to its empty record. libfcgi never parses these bytes (its parser aborts the process
/// on a declared length of 2 GiB, and answers management records from a fixed-size buffer); it is
/// handed a canonical 24-byte request start instead (`FastCGIConnection`).
///
/// Accepted: what nginx and lighttpd send — one request per connection at a time, the responder
/// role, version-1 records, no management records, PARAMS totalling at most
/// `Limits.maxParamsBytes`, every name-value pair inside the stream. Anything else is a `Failure`
/// and the connection is closed.
///
/// Pure and incremental: feed bytes as they arrive, in any split; the result is the same. Memory
/// is bounded by `maxParamsBytes`. Standard library only (the fuzz target compiles it alone).
/// Not thread-safe: one parser per connection, used by its worker thread.
struct FastCGIRequestParser {
    struct Limits: Equatable, Sendable {
        /// The most PARAMS content bytes (names, values and their lengths) a request may send.
        var maxParamsBytes = 65_536
    }

    /// The request line and headers, in CGI form.
    struct Head: Equatable, Sendable {
        var requestId: UInt16
        var keepConnection: Bool
        /// By name; a repeated name keeps its last value (nginx sends a `fastcgi_param` that a
        /// location sets again after `include fastcgi_params` twice, and means the later one).
        var params: [String: String]
        /// Why `REMOTE_USER` cannot be taken as an identity (a control byte, invalid UTF-8), or nil.
        /// The request is still well-formed: it is answered 400, never truncated or guessed at.
        var remoteUserProblem: String?
    }

    enum Progress: Equatable, Sendable {
        /// Everything given was consumed and more is needed.
        case needMore
        /// The head is complete; the bytes after it (STDIN records) were not consumed.
        case head(Head)
        /// The empty STDIN record arrived; bytes after it (a kept connection's next request) were
        /// not consumed.
        case inputComplete
    }

    enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unsupportedVersion(UInt8)
        case expectedBeginRequest(type: UInt8)
        case badBeginRequest(String)
        case managementRecord(type: UInt8)
        case unexpectedRecord(type: UInt8, phase: String)
        case otherRequestId(UInt16)
        case paramsTooLarge(limit: Int)
        case malformedPair(String)
        case aborted

        var description: String {
            switch self {
            case .unsupportedVersion(let version): return "record version \(version) (only 1 exists)"
            case .expectedBeginRequest(let type): return "first record has type \(type), not BEGIN_REQUEST"
            case .badBeginRequest(let reason): return "bad BEGIN_REQUEST: \(reason)"
            case .managementRecord(let type):
                return "management record type \(type) (request id 0), which web servers never send"
            case .unexpectedRecord(let type, let phase): return "record type \(type) while reading \(phase)"
            case .otherRequestId(let id): return "record for request \(id) on a connection busy with another (multiplexing)"
            case .paramsTooLarge(let limit): return "PARAMS larger than server.max_params_bytes (\(limit))"
            case .malformedPair(let reason): return "malformed name-value pair: \(reason)"
            case .aborted: return "the web server sent ABORT_REQUEST"
            }
        }
    }

    private enum Phase { case begin, params, stdin, done }

    let limits: Limits
    private var phase = Phase.begin
    private var headerBytes: [UInt8] = []
    /// The record being read: its header, and how much content and padding is still to come.
    private var record: FastCGIRecord.Header?
    private var contentLeft = 0
    private var paddingLeft = 0
    private var requestId: UInt16 = 0
    private var keepConnection = false
    private var beginBody: [UInt8] = []
    private var paramsBytes: [UInt8] = []

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// True once BEGIN_REQUEST arrived but the head is not complete: a stall here is a dropped
    /// request, not an idle connection.
    var hasStartedRequest: Bool { (phase != .begin && phase != .done) || !headerBytes.isEmpty || record != nil }

    /// Consumes a prefix of `bytes`; returns how many bytes and what was reached. STDIN content
    /// goes to `body` as it arrives. After `.head` call again with the rest for the body; after
    /// `.inputComplete` the parser is ready for the next request on the connection.
    mutating func parse(_ bytes: UnsafeRawBufferPointer,
                        body: (UnsafeRawBufferPointer) -> Void) throws(Failure) -> (consumed: Int, progress: Progress) {
        var offset = 0
        while offset < bytes.count {
            guard let current = record else {
                let take = min(FastCGIRecord.headerLength - headerBytes.count, bytes.count - offset)
                headerBytes += bytes[offset..<offset + take]
                offset += take
                guard headerBytes.count == FastCGIRecord.headerLength else { break }
                let header = headerBytes.withUnsafeBytes { FastCGIRecord.Header($0) }
                headerBytes.removeAll(keepingCapacity: true)
                try start(header)
                if contentLeft == 0, paddingLeft == 0, let progress = try finishRecord() {
                    return (offset, progress)
                }
                continue
            }
            if contentLeft > 0 {
                let take = min(contentLeft, bytes.count - offset)
                let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take])
                switch current.kind {
                case .beginRequest: beginBody += slice
                case .params: paramsBytes += slice
                default: body(slice)
                }
                contentLeft -= take
                offset += take
            } else {
                let take = min(paddingLeft, bytes.count - offset)
                paddingLeft -= take
                offset += take
            }
            if contentLeft == 0, paddingLeft == 0, let progress = try finishRecord() {
                return (offset, progress)
            }
        }
        return (offset, .needMore)
    }

    /// Checks a record header against the phase, before any of its content is taken.
    private mutating func start(_ header: FastCGIRecord.Header) throws(Failure) {
        guard header.version == FastCGIRecord.version else { throw .unsupportedVersion(header.version) }
        if header.requestId == 0 { throw .managementRecord(type: header.type) }
        switch phase {
        case .begin, .done:
            guard header.kind == .beginRequest else { throw .expectedBeginRequest(type: header.type) }
            guard header.contentLength == 8 else { throw .badBeginRequest("content length \(header.contentLength), not 8") }
            requestId = header.requestId
            beginBody.removeAll(keepingCapacity: true)
            paramsBytes.removeAll(keepingCapacity: true)
            phase = .begin
        case .params, .stdin:
            guard header.requestId == requestId else { throw .otherRequestId(header.requestId) }
            let expected: FastCGIRecord.Kind = phase == .params ? .params : .stdin
            if header.kind == .abortRequest { throw .aborted }
            guard header.kind == expected else {
                throw .unexpectedRecord(type: header.type, phase: phase == .params ? "PARAMS" : "STDIN")
            }
            if expected == .params, paramsBytes.count + header.contentLength > limits.maxParamsBytes {
                throw .paramsTooLarge(limit: limits.maxParamsBytes)
            }
        }
        record = header
        contentLeft = header.contentLength
        paddingLeft = header.paddingLength
    }

    /// A record was read whole: moves the phase on; returns progress when a stream ended.
    private mutating func finishRecord() throws(Failure) -> Progress? {
        guard let finished = record else { return nil }
        record = nil
        switch finished.kind {
        case .beginRequest:
            let role = UInt16(beginBody[0]) << 8 | UInt16(beginBody[1])
            guard role == FastCGIRecord.roleResponder else { throw .badBeginRequest("role \(role); only the responder role is served") }
            keepConnection = beginBody[2] & FastCGIRecord.keepConnectionFlag != 0
            phase = .params
            return nil
        case .params where finished.contentLength == 0:
            phase = .stdin
            let (params, problem) = try Self.decodePairs(paramsBytes)
            paramsBytes = []
            return .head(Head(requestId: requestId, keepConnection: keepConnection, params: params, remoteUserProblem: problem))
        case .stdin where finished.contentLength == 0:
            phase = .done
            return .inputComplete
        default:
            return nil
        }
    }

    /// Decodes the PARAMS stream; every length is checked against what is left before use.
    static func decodePairs(_ bytes: [UInt8]) throws(Failure) -> (params: [String: String], remoteUserProblem: String?) {
        var params: [String: String] = [:]
        var remoteUserProblem: String?
        var offset = 0
        func length() throws(Failure) -> Int {
            guard offset < bytes.count else { throw .malformedPair("a length is cut off at byte \(offset)") }
            let first = bytes[offset]
            guard first & 0x80 != 0 else {
                offset += 1
                return Int(first)
            }
            guard bytes.count - offset >= 4 else { throw .malformedPair("a four-byte length is cut off at byte \(offset)") }
            let value = Int(first & 0x7f) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4
            return value
        }
        while offset < bytes.count {
            let nameLength = try length()
            let valueLength = try length()
            guard nameLength <= bytes.count - offset, valueLength <= bytes.count - offset - nameLength else {
                throw .malformedPair("lengths \(nameLength) + \(valueLength) run past the \(bytes.count - offset) bytes left")
            }
            let name = String(decoding: bytes[offset..<offset + nameLength], as: UTF8.self)
            let value = bytes[offset + nameLength..<offset + nameLength + valueLength]
            offset += nameLength + valueLength
            if name == "REMOTE_USER" { remoteUserProblem = Self.identityProblem(value) }
            params[name] = String(decoding: value, as: UTF8.self)
        }
        return (params, remoteUserProblem)
    }

    /// An identity is taken byte for byte or not at all: a NUL would have cut it short in libfcgi
    /// (`alice\0x` read as `alice`), a control byte forges log lines, and invalid UTF-8 would be
    /// repaired to U+FFFD, making two different byte strings one user.
    static func identityProblem(_ value: ArraySlice<UInt8>) -> String? {
        guard let text = String(validating: value, as: UTF8.self) else { return "is not valid UTF-8" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character"
        }
        return nil
    }
}
