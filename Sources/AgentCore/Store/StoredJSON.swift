import Foundation

/// How every store turns values into the JSON text it keeps and back, with errors that name the
/// session and the field, so an operator can find the row. Called off the store's own thread.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T, sessionId: String, what: String,
                                     encoder: JSONEncoder = JSONEncoder()) throws -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError.undecodable(sessionId: sessionId, what: what, details: "cannot encode: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String, sessionId: String, what: String,
                                     decoder: JSONDecoder = JSONDecoder()) throws -> T {
        do {
            return try decoder.decode(type, from: Data(json.utf8))
        } catch {
            throw StoreError.undecodable(sessionId: sessionId, what: what, details: "\(error)")
        }
    }

    /// The pending approvals column: NULL (or a row from before it existed) is none.
    static func pendingApprovals(_ json: String?, sessionId: String) throws -> [PendingApproval] {
        guard let json else { return [] }
        return try decode([PendingApproval].self, json, sessionId: sessionId, what: "pending approvals", decoder: approvalDecoder)
    }

    static func encodePendingApprovals(_ approvals: [PendingApproval], sessionId: String) throws -> String {
        try encode(approvals, sessionId: sessionId, what: "pending approvals", encoder: approvalEncoder)
    }

    /// Times as seconds since 1970, exact for `Date`, as every other stored time.
    private static var approvalEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    private static var approvalDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }

    /// A stored history, one JSON message per row, in order.
    static func history(_ rows: [String], sessionId: String) throws -> [ChatMessage] {
        let decoder = JSONDecoder()
        return try rows.enumerated().map { index, json in
            try decode(ChatMessage.self, json, sessionId: sessionId, what: "message \(index)", decoder: decoder)
        }
    }
}
