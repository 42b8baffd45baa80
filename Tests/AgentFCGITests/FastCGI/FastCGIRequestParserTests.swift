@testable import AgentFCGI
import Testing

/// FastCGI request parser.
///
/// The guard in front of libfcgi: what a web server sends passes whole, in any split; everything
/// that crashed or confused libfcgi is a `Failure` before any byte of it is used.
@Suite struct FastCGIRequestParserTests {
    typealias Parser = FastCGIRequestParser

    /// What feeding a byte stream produced.
    struct Fed: Equatable {
        var heads: [Parser.Head] = []
        var body: [UInt8] = []
        var completed = 0
        var failure: Parser.Failure?
        var leftover = 0
    }

    /// Feeds `bytes` in pieces of `chunk`, as a connection would, through any number of requests.
    static func feed(_ bytes: [UInt8], chunk: Int = .max, limits: Parser.Limits = .init()) -> Fed {
        var parser = Parser(limits: limits)
        var fed = Fed()
        var pending: [UInt8] = []
        var offset = 0
        while offset < bytes.count || !pending.isEmpty {
            let end = min(bytes.count, offset + max(1, min(chunk, bytes.count)))
            pending += bytes[offset..<end]
            offset = end
            while !pending.isEmpty {
                do {
                    let (consumed, progress) = try pending.withUnsafeBytes { buffer in
                        try parser.parse(buffer) { fed.body += $0 }
                    }
                    pending.removeFirst(consumed)
                    switch progress {
                    case .head(let head): fed.heads.append(head)
                    case .inputComplete: fed.completed += 1
                    case .needMore: break
                    }
                    if progress == .needMore { break }
                } catch {
                    fed.failure = error as? Parser.Failure
                    return fed
                }
            }
            if offset >= bytes.count { break }
        }
        fed.leftover = pending.count
        return fed
    }

    static func request(_ params: [(String, [UInt8])], body: [UInt8] = [], requestId: UInt16 = 1,
                        keepConnection: Bool = false) -> [UInt8] {
        FastCGIRecord.beginRequest(requestId: requestId, keepConnection: keepConnection)
            + FastCGIRecord.encodeStream(.params, requestId: requestId,
                                         FastCGIRecord.encodePairs(params.map { (Array($0.0.utf8), $0.1) }))
            + FastCGIRecord.encodeStream(.stdin, requestId: requestId, body)
    }

    static let nginxLike: [(String, [UInt8])] = [
        ("REQUEST_METHOD", Array("POST".utf8)), ("REQUEST_URI", Array("/agent/query?x=1".utf8)),
        ("CONTENT_TYPE", Array("application/json".utf8)), ("HTTP_USER_AGENT", Array(String(repeating: "u", count: 300).utf8)),
        ("REMOTE_USER", Array("ålice".utf8)),
    ]

    /// A web server's request passes whole and in every split, with its body byte for byte.
    @Test func validRequestAnySplit() {
        let body = (0..<100_000).map { UInt8($0 % 251) }
        let bytes = Self.request(Self.nginxLike, body: body, requestId: 7)
        let whole = Self.feed(bytes)
        #expect(whole.failure == nil && whole.heads.count == 1 && whole.completed == 1 && whole.leftover == 0)
        let head = whole.heads.first
        #expect(head?.requestId == 7 && head?.keepConnection == false && head?.remoteUserProblem == nil)
        #expect(head?.params["REMOTE_USER"] == "ålice" && head?.params["REQUEST_URI"] == "/agent/query?x=1")
        #expect(whole.body == body)
        for chunk in [1, 3, 7, 8, 9, 4096] {
            #expect(Self.feed(bytes, chunk: chunk) == whole, "split into \(chunk)-byte pieces")
        }
    }

    /// A name-value pair may span PARAMS records, and padding is skipped.
    @Test func pairAcrossRecordsAndPadding() {
        let pairs = FastCGIRecord.encodePairs([(Array("REQUEST_URI".utf8), Array("/ping".utf8))])
        let bytes = FastCGIRecord.beginRequest(requestId: 1, keepConnection: false)
            + FastCGIRecord.encode(.params, requestId: 1, content: Array(pairs[..<5]), padding: 3)
            + FastCGIRecord.encode(.params, requestId: 1, content: Array(pairs[5...]), padding: 255)
            + FastCGIRecord.encode(.params, requestId: 1, padding: 7) + FastCGIRecord.encode(.stdin, requestId: 1, padding: 1)
        let fed = Self.feed(bytes, chunk: 2)
        #expect(fed.failure == nil && fed.heads.first?.params == ["REQUEST_URI": "/ping"] && fed.completed == 1)
    }

    /// Declared lengths of 2 GiB and more (libfcgi's Malloc assertion) are refused.
    @Test(
          arguments: [(0x4000_0000, 0x4000_0000), (0x7fff_fff0, 0x20), (0x7fff_ffff, 0x7fff_ffff), (0, 0x7fff_ffff)])
    func hugeDeclaredLengths(name: Int, value: Int) {
        let content = FastCGIRecord.encodeLength(name) + FastCGIRecord.encodeLength(value) + Array("REQUEST_URI/".utf8)
        let bytes = FastCGIRecord.beginRequest(requestId: 1, keepConnection: false)
            + FastCGIRecord.encode(.params, requestId: 1, content: content) + FastCGIRecord.encode(.params, requestId: 1)
        guard case .malformedPair = Self.feed(bytes).failure else {
            Issue.record("accepted lengths \(name) + \(value): \(Self.feed(bytes))")
            return
        }
    }

    /// A four-byte length cut off at the end of the block is refused.
    @Test func truncatedLength() {
        let bytes = FastCGIRecord.beginRequest(requestId: 1, keepConnection: false)
            + FastCGIRecord.encode(.params, requestId: 1, content: [0x01, 0x80, 0x00]) + FastCGIRecord.encode(.params, requestId: 1)
        #expect(Self.feed(bytes).failure == .malformedPair("a four-byte length is cut off at byte 1"))
    }

    /// PARAMS beyond server.max_params_bytes are refused before their content is read.
    @Test func paramsCap() {
        let big = [("HTTP_COOKIE", [UInt8](repeating: 0x61, count: 70_000))]
        #expect(Self.feed(Self.request(big)).failure == .paramsTooLarge(limit: 65_536))
        let small = Self.feed(Self.request(big), limits: .init(maxParamsBytes: 80_000))
        #expect(small.failure == nil && small.heads.first?.params["HTTP_COOKIE"]?.utf8.count == 70_000)
        // Refused at the header of the record that would pass the cap, with its content unsent.
        let header = FastCGIRecord.beginRequest(requestId: 1, keepConnection: false) + Array(FastCGIRecord.encode(
            .params, requestId: 1, content: [UInt8](repeating: 0, count: 1000)).prefix(8))
        #expect(Self.feed(header, limits: .init(maxParamsBytes: 999)).failure == .paramsTooLarge(limit: 999))
    }

    /// Management records are refused in every phase (libfcgi parses their pairs and answers from a fixed buffer).
    @Test func managementRecords() {
        let getValues = FastCGIRecord.encode(.getValues, requestId: 0, content: [0xc0, 0, 0, 0, 0xc0, 0, 0, 0])
        let valid = Self.request([("REQUEST_URI", Array("/ping".utf8))])
        let begin = FastCGIRecord.beginRequest(requestId: 1, keepConnection: false)
        let beforeStdin = valid.count - 8
        for bytes in [getValues + valid, begin + getValues, Array(valid[..<beforeStdin]) + getValues] {
            #expect(Self.feed(bytes).failure == .managementRecord(type: 9))
        }
    }

    /// What no web server sends is refused.
    @Test(arguments: [
        ("version 2", [2] + FastCGIRecord.beginRequest(requestId: 1, keepConnection: false).dropFirst(),
         Parser.Failure.unsupportedVersion(2)),
        ("PARAMS first", FastCGIRecord.encode(.params, requestId: 1), .expectedBeginRequest(type: 4)),
        ("BEGIN_REQUEST of 9 bytes", FastCGIRecord.encode(.beginRequest, requestId: 1, content: [0, 1, 0, 0, 0, 0, 0, 0, 0]),
         .badBeginRequest("content length 9, not 8")),
        ("authorizer role", FastCGIRecord.encode(.beginRequest, requestId: 1, content: [0, 2, 0, 0, 0, 0, 0, 0]),
         .badBeginRequest("role 2; only the responder role is served")),
        ("a second request id", FastCGIRecord.beginRequest(requestId: 1, keepConnection: false)
            + FastCGIRecord.encode(.params, requestId: 2), .otherRequestId(2)),
        ("STDIN before PARAMS ended", FastCGIRecord.beginRequest(requestId: 1, keepConnection: false)
            + FastCGIRecord.encode(.stdin, requestId: 1, content: [1]), .unexpectedRecord(type: 5, phase: "PARAMS")),
        ("ABORT_REQUEST in the body", Self.request([]).dropLast(8) + FastCGIRecord.encode(.abortRequest, requestId: 1), .aborted),
    ])
    func refused(_ name: String, _ bytes: [UInt8], _ failure: Parser.Failure) {
        #expect(Self.feed(bytes).failure == failure, "\(name)")
    }

    /// REMOTE_USER is taken byte for byte: a control byte or invalid UTF-8 is flagged, never cut.
    @Test(arguments: [
        ([0x61, 0x6c, 0x69, 0x63, 0x65, 0x00, 0x78], "contains a control character"),
        ([0x61, 0x1b, 0x5b, 0x32, 0x4a], "contains a control character"),
        ([0x61, 0x0a, 0x62], "contains a control character"),
        ([0x61, 0xc2, 0x85], "contains a control character"),
        ([0x61, 0xff, 0x62], "is not valid UTF-8"),
    ])
    func remoteUserBytes(_ value: [UInt8], _ problem: String) {
        let head = Self.feed(Self.request([("REMOTE_USER", value)])).heads.first
        #expect(head?.remoteUserProblem == problem)
        #expect(head?.params["REMOTE_USER"]?.utf8.count ?? 0 >= value.count - 1, "kept whole, never truncated")
    }

    /// A repeated name keeps its last value, and only the last REMOTE_USER is judged.
    @Test func lastValueWins() {
        let bad = Self.feed(Self.request([("REMOTE_USER", [0x61, 0]), ("REMOTE_USER", [])])).heads.first
        #expect(bad?.params["REMOTE_USER"] == "" && bad?.remoteUserProblem == nil)
        let good = Self.feed(Self.request([("REMOTE_USER", Array("bob".utf8)), ("REMOTE_USER", [0x62, 0])])).heads.first
        #expect(good?.remoteUserProblem == "contains a control character")
    }

    /// A kept connection carries requests back to back, and a stall is seen as mid-request.
    @Test func keptConnection() {
        let first = Self.request([("REQUEST_URI", Array("/a".utf8))], body: [1, 2], keepConnection: true)
        let second = Self.request([("REQUEST_URI", Array("/b".utf8))], requestId: 2, keepConnection: true)
        let fed = Self.feed(first + second, chunk: 5)
        #expect(fed.failure == nil && fed.heads.map { $0.params["REQUEST_URI"] } == ["/a", "/b"])
        #expect(fed.heads.map(\.keepConnection) == [true, true] && fed.completed == 2 && fed.body == [1, 2])
        var parser = Parser()
        #expect(!parser.hasStartedRequest)
        Array(first.prefix(3)).withUnsafeBytes { buffer in _ = try? parser.parse(buffer) { _ in } }
        #expect(parser.hasStartedRequest)
    }
}
