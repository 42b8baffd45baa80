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

    /// A stored history, one JSON message per row, in order.
    static func history(_ rows: [String], sessionId: String) throws -> [ChatMessage] {
        let decoder = JSONDecoder()
        return try rows.enumerated().map { index, json in
            try decode(ChatMessage.self, json, sessionId: sessionId, what: "message \(index)", decoder: decoder)
        }
    }
}
