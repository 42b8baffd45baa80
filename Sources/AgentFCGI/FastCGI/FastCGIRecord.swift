/// FastCGI 1.0 record framing (the spec's §3.3 and §5): the 8-byte header, record types, and the
/// encoders the responder and the tests share. Standard library only: the fuzz target
/// (Fuzz/FastCGIParser) compiles this file and the parser alone.
enum FastCGIRecord {
    static let headerLength = 8
    static let version: UInt8 = 1
    /// Largest content of one record (a 16-bit length).
    static let maxContentLength = 65_535
    static let roleResponder: UInt16 = 1
    static let keepConnectionFlag: UInt8 = 1

    enum Kind: UInt8, Sendable {
        case beginRequest = 1, abortRequest = 2, endRequest = 3, params = 4, stdin = 5, stdout = 6,
             stderr = 7, data = 8, getValues = 9, getValuesResult = 10, unknownType = 11
    }

    struct Header: Equatable, Sendable {
        var version: UInt8
        var type: UInt8
        var requestId: UInt16
        var contentLength: Int
        var paddingLength: Int

        /// Reads a header from exactly `headerLength` bytes.
        init(_ bytes: UnsafeRawBufferPointer) {
            precondition(bytes.count >= FastCGIRecord.headerLength)
            version = bytes[0]
            type = bytes[1]
            requestId = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            contentLength = Int(bytes[4]) << 8 | Int(bytes[5])
            paddingLength = Int(bytes[6])
        }

        var kind: Kind? { Kind(rawValue: type) }
    }

    /// One record: header, content, `padding` zero bytes.
    static func encode(_ kind: Kind, requestId: UInt16, content: [UInt8] = [], padding: Int = 0) -> [UInt8] {
        precondition(content.count <= maxContentLength && (0...255).contains(padding))
        return [version, kind.rawValue, UInt8(requestId >> 8), UInt8(requestId & 0xff),
                UInt8(content.count >> 8), UInt8(content.count & 0xff), UInt8(padding), 0]
            + content + [UInt8](repeating: 0, count: padding)
    }

    /// BEGIN_REQUEST for the responder role.
    static func beginRequest(requestId: UInt16, keepConnection: Bool) -> [UInt8] {
        encode(.beginRequest, requestId: requestId,
               content: [UInt8(roleResponder >> 8), UInt8(roleResponder & 0xff),
                         keepConnection ? keepConnectionFlag : 0, 0, 0, 0, 0, 0])
    }

    /// A name-value length: one byte below 128, else four with the high bit set.
    static func encodeLength(_ length: Int) -> [UInt8] {
        precondition(length >= 0 && length <= 0x7fff_ffff)
        if length < 128 { return [UInt8(length)] }
        return [UInt8(length >> 24) | 0x80, UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
    }

    /// The name-value pairs of a PARAMS stream, in order.
    static func encodePairs(_ pairs: [(name: [UInt8], value: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for pair in pairs {
            bytes += encodeLength(pair.name.count) + encodeLength(pair.value.count) + pair.name + pair.value
        }
        return bytes
    }

    /// A whole stream (PARAMS or STDIN): content split into records, then the empty record that ends it.
    static func encodeStream(_ kind: Kind, requestId: UInt16, _ content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var offset = 0
        while offset < content.count {
            let end = min(content.count, offset + maxContentLength)
            bytes += encode(kind, requestId: requestId, content: Array(content[offset..<end]))
            offset = end
        }
        return bytes + encode(kind, requestId: requestId)
    }
}
