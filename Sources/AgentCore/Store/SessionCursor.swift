import Foundation

/// Keyset position after a listed session: stable while sessions are added or deleted, unlike
/// an offset. Handed to clients as `token` (URL-safe, opaque).
public struct SessionCursor: Sendable, Hashable {
    public var createdAt: Date
    public var id: String

    public init(after summary: SessionSummary) {
        self.createdAt = summary.createdAt
        self.id = summary.id
    }

    /// The cursor as sent to clients: base64url of "<seconds since 1970>:<id>". The seconds
    /// are written with Swift's shortest round-tripping form, so the position is exact.
    public var token: String {
        let text = "\(createdAt.timeIntervalSince1970):\(id)"
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Parses a client's `cursor` parameter; nil when it is not one of ours.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":"), let seconds = Double(text[..<colon]), seconds.isFinite
        else { return nil }
        self.createdAt = Date(timeIntervalSince1970: seconds)
        self.id = String(text[text.index(after: colon)...])
    }

    /// A client's optional `cursor` parameter as every store takes it: nil for the first page,
    /// `SessionError.invalidCursor` (a 422) for one that is not ours.
    public static func parse(_ token: String?) throws -> SessionCursor? {
        guard let token else { return nil }
        guard let cursor = SessionCursor(token: token) else { throw SessionError.invalidCursor(token) }
        return cursor
    }
}
